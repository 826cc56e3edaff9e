; Callees, property accesses (so `a.b()` gives `b`), `new X`, every type name
; (annotations, generics, extends/implements), imported names, decorators and
; JSX components (tsx shares this file) — not every identifier.
(type_identifier) @reference
(call_expression function: (identifier) @reference)
(member_expression property: [(property_identifier) (private_property_identifier)] @reference)
(new_expression constructor: (identifier) @reference)
(extends_clause value: (identifier) @reference)
(import_clause (identifier) @reference)
(import_specifier name: (identifier) @reference)
(export_specifier name: (identifier) @reference)
(decorator (identifier) @reference)

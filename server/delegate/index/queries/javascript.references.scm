; Callees, property accesses (so `a.b()` gives `b`), `new X`, base classes,
; imported names, decorators and JSX components
; (capitalised: `<div>` is HTML) — not every identifier.
(call_expression function: (identifier) @reference)
(member_expression property: [(property_identifier) (private_property_identifier)] @reference)
(new_expression constructor: (identifier) @reference)
(class_heritage (identifier) @reference)
(import_clause (identifier) @reference)
(import_specifier name: (identifier) @reference)
(export_specifier name: (identifier) @reference)
(decorator (identifier) @reference)
((jsx_opening_element name: (identifier) @reference) (#match? @reference "^[A-Z]"))
((jsx_self_closing_element name: (identifier) @reference) (#match? @reference "^[A-Z]"))

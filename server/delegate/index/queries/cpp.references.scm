; Callees (`f()`, `ns::f()`, `f<T>()`), member accesses (so `a.b()` gives `b`),
; every type name (declarations, `new X`, base classes), namespace and class
; qualifiers (`Matrix::at` gives `Matrix`) and names brought in by `using`.
(type_identifier) @reference
(namespace_identifier) @reference
(call_expression function: (identifier) @reference)
(call_expression function: (qualified_identifier name: (identifier) @reference))
(call_expression function: (template_function name: (identifier) @reference))
(field_expression field: (field_identifier) @reference)
(field_expression field: (template_method name: (field_identifier) @reference))
(using_declaration (qualified_identifier name: (identifier) @reference))

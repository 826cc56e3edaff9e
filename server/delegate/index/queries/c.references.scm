; Callees (function-like macros included), struct field accesses and every type name.
(type_identifier) @reference
(call_expression function: (identifier) @reference)
(field_expression field: (field_identifier) @reference)

; Callees, selector fields (so `a.B()` gives `B`), every type name (fields,
; parameters, embedded types, composite literals) and import aliases.
(type_identifier) @reference
(call_expression function: (identifier) @reference)
(selector_expression field: (field_identifier) @reference)
(import_spec name: (package_identifier) @reference)

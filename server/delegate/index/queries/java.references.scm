; Method names at call sites, field accesses, every type name (declarations,
; generics, `new X`, extends/implements), imported names and annotations.
(type_identifier) @reference
(method_invocation name: (identifier) @reference)
(field_access field: (identifier) @reference)
(method_reference (identifier) @reference)
(import_declaration (identifier) @reference)
(import_declaration (scoped_identifier name: (identifier) @reference))
(marker_annotation name: (identifier) @reference)
(annotation name: (identifier) @reference)

; Callees, member accesses (so `a.B()` gives `B`), type names (wherever a node
; has a `type` or `returns` field, generics, `new X`, base lists), names in
; `using` directives and attributes — not every identifier.
(invocation_expression function: (identifier) @reference)
(member_access_expression name: (identifier) @reference)
(generic_name (identifier) @reference)
(type_argument_list (identifier) @reference)
(qualified_name name: (identifier) @reference)
(_ type: (identifier) @reference)
(_ returns: (identifier) @reference)
(base_list (identifier) @reference)
(using_directive (identifier) @reference)
(attribute name: (identifier) @reference)

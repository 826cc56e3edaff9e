; Callees (`f()`, `a.f()`, `T::f()`), field accesses, macros, every type name
; (including `impl Trait for Type`), path prefixes (`Point::new` gives `Point`),
; names in `use` declarations and attributes.
(type_identifier) @reference
(call_expression function: (identifier) @reference)
(call_expression function: (scoped_identifier name: (identifier) @reference))
(scoped_identifier path: (identifier) @reference)
(field_expression field: (field_identifier) @reference)
(macro_invocation macro: (identifier) @reference)
(use_declaration argument: (identifier) @reference)
(use_declaration argument: (scoped_identifier name: (identifier) @reference))
(use_list (identifier) @reference)
(use_list (scoped_identifier name: (identifier) @reference))
(use_as_clause path: (identifier) @reference)
(use_as_clause path: (scoped_identifier name: (identifier) @reference))
(attribute (identifier) @reference)
; inside macro arguments there is no syntax tree, only tokens: a name followed by a
; parenthesised group is a call (`format!("{}", self.area())` gives `area`)
(token_tree (identifier) @reference . (token_tree))

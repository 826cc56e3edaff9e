; References the repo map and find_symbol use — not every identifier:
; callees, attribute accesses (so `a.b()` gives `b`), names in annotations,
; imported names, base classes and decorators.
; The parser drops definition names, one-letter names and self/cls.
(call function: (identifier) @reference)
(attribute attribute: (identifier) @reference)
(type (identifier) @reference)
(generic_type (identifier) @reference)
(dotted_name (identifier) @reference)
(class_definition superclasses: (argument_list (identifier) @reference))
(class_definition superclasses: (argument_list (keyword_argument value: (identifier) @reference)))
(decorator (identifier) @reference)

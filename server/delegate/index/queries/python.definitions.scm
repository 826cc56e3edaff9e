; Definitions: @definition.<kind> on the whole node, @name on its name.
; A function nested in a class becomes a method; the parser decides that from nesting.
(class_definition name: (identifier) @name) @definition.class
(function_definition name: (identifier) @name) @definition.function

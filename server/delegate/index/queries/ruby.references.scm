; Method names at call sites (`f(x)`, `a.f`, `A::B.f`) and every constant
; (classes, modules, superclasses, `include` arguments, constants). A bare
; `f` without receiver or arguments parses as a variable and is left out.
(call method: (identifier) @reference)
(constant) @reference

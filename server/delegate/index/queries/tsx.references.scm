; JSX components (capitalised: `<div>` is HTML), added to typescript.references.scm for .tsx files.
((jsx_opening_element name: (identifier) @reference) (#match? @reference "^[A-Z]"))
((jsx_self_closing_element name: (identifier) @reference) (#match? @reference "^[A-Z]"))

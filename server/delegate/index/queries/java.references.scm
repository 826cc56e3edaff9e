[(identifier) (type_identifier)] @reference

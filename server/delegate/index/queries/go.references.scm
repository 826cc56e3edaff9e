[(identifier) (type_identifier) (field_identifier)] @reference

"""Pure logic: FAQ matching, risk assessment, the case lifecycle. No telegram, no sqlalchemy."""

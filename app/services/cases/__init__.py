"""Selection cases: the use cases, split by concern.

create (motion, pool), facts (record, correct, read), transition (the machine decides),
apply (effects: the one place a standing changes), read (case, list), removal (misconduct).
"""

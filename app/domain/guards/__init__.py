"""The rules of each stage as pure functions: a snapshot in, every failing rule out.

One module per stage; each rule id is produced in one function (tests/domain/test_rule_homes.py).
"""

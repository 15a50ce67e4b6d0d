"""The batch rule engine (ARCHITECTURE §6): rules are named, versioned lists of SQL steps run on DuckDB over Arrow.

`rules` holds the `Rule` metadata and the registry each app fills from its `rules/__init__.py`; `sql` loads a
rule's step files and rejects SQL that would not also run on Spark; `params` builds the per-subject
`rule_params` relation from the parameter store; `runner.rule_run` evaluates one rule on Arrow inputs and
returns its result with one explanation row per subject and step. One household or a million take the same path.
"""

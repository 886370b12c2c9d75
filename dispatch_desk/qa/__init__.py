"""Quality assurance: evaluation forms, scoring, the review queue, scores and reports.

Qt-free; every function that reads or writes QA data checks the actor's role first
(supervisors and administrators only) and a refusal is audited.
"""

"""The supervisors' views: the survey feedback from callers, its charts and its export."""

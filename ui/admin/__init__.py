"""Windows for administrators."""

"""Where things live and how the workstation is configured."""

"""The cleansing worklists: every record a team must fix, by area, and their burndown over the runs."""

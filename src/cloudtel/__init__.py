"""cloudtel: administer a hosted business telephone system from Python."""

"""The review store, flagging of source inconsistencies, the review web pages and the
exported HTML report."""

"""Theme summaries, the draft report and questions to the feedback."""

"""Reading the flows' context from the database and writing their changes back."""

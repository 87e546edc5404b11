"""Pictures the bot draws: the network map."""

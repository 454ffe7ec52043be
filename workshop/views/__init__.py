"""HTTP blueprints, cut by audience: main (home, sign-in), facilitator, participant, screen."""

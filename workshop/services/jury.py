"""A cycle's jury: jurors invited by link, grades on a grid, deliberation and decisions."""

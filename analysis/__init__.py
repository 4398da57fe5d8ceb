"""Children's Charities in Crisis: analysis package for the reproducible compendium."""

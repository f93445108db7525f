"""Qt-free, torch-free domain objects; standard library only."""

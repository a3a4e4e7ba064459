"""Running an experiment: train every cell into a workdir, publish finished cells."""

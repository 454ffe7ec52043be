"""The pitch step: one project at a time in the spotlight, timers, and peer feedback cards."""

"""configlib: one typed model for tuning LLM serving with inference-autotuner and aiconfigurator."""

__version__ = "0.1.0"

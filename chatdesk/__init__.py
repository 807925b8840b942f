"""chatdesk: a native desktop chat client for Azure OpenAI chat-completions models."""

__version__ = "0.1.0"

"""Kafka transport shared by all three layers: one message codec and one producer for both topics.

Oryx 2 moves everything through two topics (input and update). Keeping framing, producing, consuming and
topic administration in this one package means the batch, speed and serving layers cannot disagree about
what a ``MODEL`` message or an input key looks like. ``memory`` holds an in-memory fake for unit tests only.
"""

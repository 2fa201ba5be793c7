"""The narrow interfaces a user app implements for each layer (Oryx 2's oryx-api module)."""

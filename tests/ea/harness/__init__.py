"""The EA harness: the MQL syntax gate, MQL→C++ translation, g++ build and the run driver."""

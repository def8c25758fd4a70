"""Video files: header probing with reason codes (probe) and one-pass upright decoding
(decode). Pure PyAV, no Django imports."""

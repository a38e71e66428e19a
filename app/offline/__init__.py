"""Offline entry (离线录入): answers kept on the device, sent with one press (docs/offline.md)."""

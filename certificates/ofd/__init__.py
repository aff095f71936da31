"""The certificate as an OFD document (GB/T 33190-2016), sealed and signed with SM2 (GB/T 38540)."""

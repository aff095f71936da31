"""The OFD rendition of certificates (GB/T 33190-2016) and its SM2/SM3 electronic seal (GB/T 38540-2020)."""

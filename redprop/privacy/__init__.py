"""A resident's rights over their personal information (PIPL arts. 44–47): download
their own data (查阅、复制) and ask for its deletion (删除), carried out by staff as an
anonymisation that keeps the statistics. See docs/adr/0011-audit-chain-and-data-rights.md."""

"""Printable documents (决定书, 告知书, 调查记录, 公示名单): templates rendered to PDF with an embedded CJK font."""

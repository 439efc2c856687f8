"""subsidy — 武汉产业政策奖补资格计算器.

A company profile goes in; every award clause of the encoded policy documents comes out
as a finding (eligible / not eligible / needs information / not applicable) with its
amount in 万元 and the reasons, each traced to its clause.

The one call every face uses is :func:`subsidy.evaluate.evaluate`.
"""

__version__ = "0.1.0"

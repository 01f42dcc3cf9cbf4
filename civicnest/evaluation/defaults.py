"""The default indicator templates: grading of the three legal types (社会组织评估管理办法, 2011: 基础条件,
内部治理, 工作绩效 — for 社会服务机构 业务活动和诚信建设 —, 社会评价, 1,000 points) and the centers' yearly
review (S 四(四): 服务对象和第三方为主的评价, 100 points). Installed by a data migration; the bureau edits them
in the app, which versions them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def _leaf(
    code: str, name: str, weight: int, guidance: str, source: str = "manual"
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "weight": Decimal(weight),
        "guidance": guidance,
        "source": source,
    }


def grading_tree(performance_name: str) -> list[dict[str, Any]]:
    return [
        {
            **_leaf("1", "基础条件", 10, "登记、章程与备案等法定条件。"),
            "children": [
                _leaf(
                    "1.1", "法人资格", 4, "依法登记，年检（年报）按时合格；住所、开办资金符合要求。"
                ),
                _leaf("1.2", "章程", 3, "章程经核准，内容完整，按章程开展活动。"),
                _leaf("1.3", "登记备案", 3, "变更登记、负责人和印章等按规定备案。"),
            ],
        },
        {
            **_leaf("2", "内部治理", 38, "组织机构、人力资源、领导班子、财务资产。"),
            "children": [
                _leaf("2.1", "发展规划", 5, "有中长期规划和年度计划，并落实。"),
                _leaf("2.2", "组织机构", 10, "理事会、监事会按章程运作，会议记录齐全。"),
                _leaf("2.3", "人力资源", 8, "专职人员、社工持证、劳动合同与社会保险。"),
                _leaf("2.4", "领导班子", 5, "负责人产生程序合规，分工明确。"),
                _leaf("2.5", "财务资产", 12, "财务制度健全，会计核算规范，审计无重大问题。"),
            ],
        },
        {
            **_leaf("3", performance_name, 40, "业务活动的数量、质量和诚信自律。"),
            "children": [
                _leaf("3.1", "提供服务", 20, "围绕宗旨开展服务，项目有记录、有成效。"),
                _leaf("3.2", "诚信建设", 10, "诚信承诺、自律公约，未列入活动异常名录。"),
                _leaf("3.3", "信息公开", 10, "按规定公开年报、财务和重大事项。"),
            ],
        },
        {
            **_leaf("4", "社会评价", 12, "内部、服务对象与管理机关的评价。"),
            "children": [
                _leaf("4.1", "内部评价", 4, "工作人员、会员或理事的满意度。"),
                _leaf("4.2", "服务对象评价", 4, "服务对象满意度调查结果。"),
                _leaf("4.3", "登记管理机关与业务主管单位评价", 4, "管理机关意见与表彰。"),
            ],
        },
    ]


CENTER_TREE: list[dict[str, Any]] = [
    {
        **_leaf("1", "基础建设", 25, "S 三：人员队伍、服务场所、运作模式、规范建设。"),
        "children": [
            _leaf("1.1", "场地与设施", 10, "固定独立场地不少于 30 平方米，设备满足工作需要。"),
            _leaf("1.2", "人员队伍", 10, "专职人员与服务对象数量相称，持证社工比例。"),
            _leaf("1.3", "制度建设", 5, "财务、人事、议事制度健全并执行。"),
        ],
    },
    {
        **_leaf("2", "孵化培育", 30, "W 三(一)(五)：孵化、培训与能力建设。"),
        "children": [
            _leaf("2.1", "孵化成效", 15, "入驻、出壳数量与出壳组织的发展。"),
            _leaf("2.2", "能力建设与培训", 15, "培训、交流、咨询的次数与质量。"),
        ],
    },
    {
        **_leaf("3", "服务与对接", 25, "W 三(四)(六)：供需对接与信息公开。"),
        "children": [
            _leaf("3.1", "供需对接", 15, "需求收集、对接成功率与服务评价。"),
            _leaf("3.2", "信息公开", 10, "主动公开、接受监督。"),
        ],
    },
    {
        **_leaf("4", "服务对象评价", 20, "S 四(四)：服务对象为主的评价。"),
        "children": [
            _leaf(
                "4.1",
                "服务对象满意度",
                20,
                "由该年度满意度调查自动计入（1–5 分折算为 0–100）。",
                source="survey",
            ),
        ],
    },
]

DEFAULT_TEMPLATES: list[dict[str, Any]] = [
    {
        "family": "grading-social-group",
        "name": "社会团体等级评估指标",
        "kind": "org_grading",
        "org_type": "social_group",
        "full_score": Decimal("1000"),
        "tree": grading_tree("工作绩效"),
    },
    {
        "family": "grading-social-service",
        "name": "社会服务机构等级评估指标",
        "kind": "org_grading",
        "org_type": "social_service",
        "full_score": Decimal("1000"),
        "tree": grading_tree("业务活动和诚信建设"),
    },
    {
        "family": "grading-foundation",
        "name": "基金会等级评估指标",
        "kind": "org_grading",
        "org_type": "foundation",
        "full_score": Decimal("1000"),
        "tree": grading_tree("工作绩效"),
    },
    {
        "family": "center-review",
        "name": "社会组织服务中心年度考评指标",
        "kind": "center_review",
        "org_type": "",
        "full_score": Decimal("100"),
        "tree": CENTER_TREE,
    },
]


def install(template_model: Any, indicator_model: Any) -> int:
    """Create the default templates that are missing (by family); returns how many were created."""
    created = 0
    for spec in DEFAULT_TEMPLATES:
        if template_model.objects.filter(family=spec["family"]).exists():
            continue
        template = template_model.objects.create(
            family=spec["family"],
            version=1,
            name=spec["name"],
            kind=spec["kind"],
            org_type=spec["org_type"],
            full_score=spec["full_score"],
            is_current=True,
        )

        def add(nodes: list[dict[str, Any]], parent: Any, template: Any = template) -> None:
            for position, node in enumerate(nodes):
                ind = indicator_model.objects.create(
                    template=template,
                    parent=parent,
                    position=position,
                    **{k: node[k] for k in ("code", "name", "weight", "guidance", "source")},
                )
                add(node.get("children", []), ind)

        add(spec["tree"], None)
        created += 1
    return created

"""Chinese headers and descriptions of every input column, table and setting (templates, aliases).

Each column has a Chinese header, accepted in workbooks as an alias of the
English one (``地区`` for ``region``), and a Chinese description written into
the templates beside the English one. The English name stays the canonical
name (DataFrames, docs, results). A column whose meaning differs between
tables (``land_mu`` is a project's land in the land model, a budget in the
cluster model's provinces) has a per-schema entry in :data:`BY_SCHEMA`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BY_SCHEMA", "COLUMNS", "MODELS", "SETTINGS", "TABLES", "field_of_alias", "sheet_of_alias", "zh_column",
           "zh_setting"]

#: column -> (Chinese header, Chinese description)
COLUMNS: dict[str, tuple[str, str]] = {
    # shared
    "region": ("地区", "地区代码（GB/T 2260 六位代码，城市或区县）"),
    "province": ("省份", "省级行政区代码（GB/T 2260）"),
    "name": ("名称", "显示名称（不参与计算）"),
    "name_en": ("英文名称", "英文名称（不参与计算）"),
    "name_zh": ("中文名称", "中文名称（不参与计算）"),
    "note": ("备注", "备注（不参与计算）"),
    "period": ("期次", "规划期（1、2……），空白为 1"),
    "ledger": ("账户", "指标账户：construction 建设用地、area 耕地面积、paddy 水田、grain 粮食产能"),
    "origin": ("起点", "距离的起点代码（矩阵的行）"),
    "destination": ("终点", "距离的终点代码（矩阵的列）"),
    "distance_km": ("距离_km", "距离，公里；只给一个方向时两个方向相同；同一地点为 0"),
    # land: regions / provinces
    "population_10k": ("常住人口_万人", "常住人口，万人（人均公平规则需要）"),
    "farmland_mu": ("耕地_亩", "现有耕地面积，亩"),
    "farmland_floor_mu": ("耕地红线_亩", "耕地保护红线（耕地保有量），亩"),
    "min_demand_share": ("最低保障比例", "本地区项目用地至少实现的比例（发展保障），0–1"),
    "import_share_cap": ("购入比例上限", "各账户用量中可以购入的最大比例，0–1"),
    "budget_10k_cny": ("购买预算_万元", "有偿购买（双边交易与国家平台）的预算，万元"),
    "platform_coefficient": ("平台系数", "向国家统筹平台购买时法定价格的系数；单元格空白＝不得从平台购买；"
                             "整列缺省＝按省份代码采用已核实的系数"),
    "prior_added_mu": ("上年净增耕地_亩", "第 1 期前一年的耕地净增加（补充减占用），亩（以补定占第 1 期的上限）"),
    # land: allocations / projects / reserves / pairs / caps
    "amount": ("数量", "期初持有的指标，按账户单位（亩；粮食产能为百公斤）"),
    "project": ("项目", "项目编号"),
    "land_mu": ("建设用地_亩", "项目所需建设用地，亩"),
    "paddy_mu": ("水田_亩", "其中占用水田，亩"),
    "grain_100kg": ("粮食产能_百公斤", "占用的粮食产能，百公斤"),
    "value_10k_cny": ("项目价值_万元", "项目全部实现的价值，万元"),
    "min_share": ("最低实现比例", "必须实现的比例（重大项目填 1）"),
    "tier": ("档次", "整治储备档次编号，在本地区内唯一"),
    "potential_mu": ("整治潜力_亩", "规划期内可整治的土地，亩"),
    "cost_10k_cny_per_mu": ("整治成本_万元每亩", "整治成本，万元/亩"),
    "construction_per_mu": ("每亩建设指标", "每整治一亩释放的建设用地指标（增减挂钩），亩/亩"),
    "area_per_mu": ("每亩新增耕地", "每整治一亩新增的耕地面积，亩/亩"),
    "paddy_per_mu": ("每亩新增水田", "每整治一亩新增的水田，亩/亩"),
    "grain_100kg_per_mu": ("每亩新增产能_百公斤", "每整治一亩新增的粮食产能，百公斤/亩"),
    "seller": ("卖方", "卖方地区代码"),
    "buyer": ("买方", "买方地区代码"),
    "price_10k_cny_per_unit": ("合同价_万元每单位", "合同价格，万元/单位；空白＝按市场出清价结算"),
    "cost_10k_cny_per_unit": ("交易成本_万元每单位", "买方承担的交易成本，万元/单位"),
    "max_amount": ("每期上限", "每期交易量上限，按账户单位"),
    "min_amount": ("每期下限", "合同约定的每期最低交易量"),
    "allowed": ("允许", "FALSE 表示禁止该交易对"),
    "cap": ("调出上限", "规划期内最大调出总量，按账户单位"),
    # clusters
    "city": ("城市", "城市代码（GB/T 2260）"),
    "lat": ("纬度", "纬度，度（GCJ-02）；不给距离表时必填"),
    "lon": ("经度", "经度，度（GCJ-02）；不给距离表时必填"),
    "max_roles": ("角色上限", "该城市在所有集群中最多承担的角色数；空白＝不限"),
    "max_cores": ("核心上限", "该城市最多担任核心的集群数；空白＝不限"),
    "land_capacity_mu": ("可用土地_亩", "城市可用于各角色的土地，亩；空白＝不限"),
    "energy_capacity_10k_tce": ("可用能耗_万吨标煤", "城市可用于各角色的能耗，万吨标准煤；空白＝不限"),
    "cluster": ("集群", "集群编号"),
    "group": ("同质组", "同质组：同组集群在相邻城市同质化规则中合并计算；空白＝自成一组"),
    "role": ("角色", "角色名称"),
    "score": ("匹配分", "匹配得分（目标函数单位：分）"),
    "min": ("最少", "该角色至少需要的城市数"),
    "max": ("最多", "该角色至多容纳的城市数；空白＝不限"),
    "energy_10k_tce": ("能耗_万吨标煤", "一个角色分配占用的能耗，万吨标准煤"),
    "min_cores": ("核心数下限", "省内至少需要的核心角色数"),
    "core_share": ("核心占比", "全部核心角色中本省的目标占比，0–1"),
    "other": ("关联集群", "与之关联的集群编号"),
    "weight": ("权重", "两个集群在协同距离内时的收益，分"),
    "core": ("核心", "TRUE 表示核心角色（恰好一个）"),
    "near_core": ("近核心", "TRUE 表示该角色须在同一集群核心城市的 core_distance_km 之内"),
    # enclave
    "partner": ("合作方", "合作方名称（每方一行）"),
    "projects": ("项目数", "带来的项目数"),
    "home_land_mu": ("本地用地_亩", "飞出地本地可用的稀缺用地，亩"),
    "service_capacity": ("服务能力", "园区服务能力（每个项目占用 1 单位）"),
    "capital_10k_cny": ("资本_万元", "投入资本，万元（不是元）"),
    "upfront_cost_10k_cny": ("前期投入_万元", "第 0 年的前期投入，万元（分成时先收回）"),
    "floor_share": ("分成下限", "每一期分成比例的下限，0–1"),
    "cap_share": ("分成上限", "每一期分成比例的上限，0–1"),
    "activity": ("活动", "活动名称（园区项目、本地项目……）"),
    "revenue_10k_cny": ("单位收益_万元", "每单位活动每年留存地方的税收，万元"),
    "max_units": ("规模上限", "活动规模上限；空白＝不限"),
    "year": ("年份", "运营年份，从 1 开始（第 1 年为投产第一年）"),
    "shareable_10k_cny": ("可分享收入_万元", "当年可分享的地方留成收入，万元"),
    "vat_10k_cny": ("增值税_万元", "当年园区企业缴纳的增值税，万元（其他税种：增加 <税种>_10k_cny 列并在 tax_layers 中给出）"),
    "cit_10k_cny": ("企业所得税_万元", "当年园区企业缴纳的企业所得税，万元"),
    "tax": ("税种", "税种（vat 增值税、cit 企业所得税……）"),
    "local_share": ("地方留成比例", "该税种留归地方的比例（增值税 0.5，企业所得税 0.4）"),
    "province_share": ("省级比例", "地方留成中省级所占比例"),
    "city_share": ("市级比例", "地方留成中市级所占比例"),
    "county_share": ("县级比例", "地方留成中县级所占比例"),
    "farmland_share": ("耕地比例", "角色建设用地中占用耕地的比例，0–1（每亩占用耕地亩数）"),
    "paddy_share": ("水田比例", "所占耕地中水田的比例，0–1"),
    "source": ("飞出地", "飞出地城市代码：角色计入其产业链位置"),
    "host": ("飞入地", "飞入地城市代码：角色的土地、能耗与红线影响落在此处"),
    "source_share": ("飞出地分成比例", "角色收入中归飞出地的比例，0–1；空白＝求解后按该对城市的飞地博弈计算"),
    "first_year": ("起始年", "该阶段的第一年"),
    "last_year": ("结束年", "该阶段的最后一年；空白＝直到预测期结束"),
}

#: (schema class name, column) -> (Chinese header, Chinese description), where a column means something else.
BY_SCHEMA: dict[tuple[str, str], tuple[str, str]] = {
    ("ProvinceRow@land", "farmland_mu"): ("耕地_亩", "全省现有耕地，亩（缺省为各地区之和）"),
    ("ProvinceRow@land", "farmland_floor_mu"): ("耕地红线_亩", "全省耕地保护红线（耕地保有量），亩"),
    ("ProvinceRow@clusters", "max_cores"): ("核心数上限", "省内至多允许的核心角色数"),
    ("ProvinceRow@clusters", "land_mu"): ("用地预算_亩", "省内各角色可用的土地预算，亩"),
    ("ProvinceRow@clusters", "energy_10k_tce"): ("能耗预算_万吨标煤", "省内各角色可用的能耗预算，万吨标准煤"),
    ("ResourceRow", "land_mu"): ("单项用地_亩", "一个角色分配占用的建设用地，亩"),
    ("AssignmentRow", "role"): ("角色", "角色名称；空白＝现状中角色未知或禁止全部角色"),
    ("RoleRow", "role"): ("角色", "角色名称，按产业链顺序"),
    ("ContributionRow", "role"): ("类型", "source 飞出地、host 飞入地、investor 投资方、other 其他"),
    ("ContributionRow", "land_mu"): ("园区用地_亩", "提供给园区的土地，亩"),
    ("TechnologyRow", "projects"): ("项目数", "每单位活动占用的项目数"),
    ("TechnologyRow", "land_mu"): ("园区用地_亩", "每单位活动占用的园区土地，亩"),
    ("TechnologyRow", "home_land_mu"): ("本地用地_亩", "每单位活动占用的飞出地本地用地，亩"),
    ("TechnologyRow", "service_capacity"): ("服务能力", "每单位活动占用的服务能力"),
    ("TechnologyRow", "capital_10k_cny"): ("资本_万元", "每单位活动所需资本，万元"),
    ("ExportCapRow", "region"): ("地区", "卖方地区代码"),
    ("LandShareRow", "grain_100kg_per_mu"): ("每亩产能_百公斤", "每亩所占耕地占用的粮食产能，百公斤/亩"),
    ("EnclaveRow", "max_roles"): ("角色上限", "该对城市最多承载的角色数；空白＝不限"),
    ("EnclaveRow", "note"): ("备注", "说明（依据的案例及其出处）"),
}

#: sheet -> Chinese sheet name (accepted as an alias) and description.
TABLES: dict[str, tuple[str, str]] = {
    "regions": ("地区", "地区（城市或区县）"),
    "provinces": ("省份", "省份"),
    "allocations": ("指标分配", "各期期初持有的指标"),
    "projects": ("项目", "竞争指标的建设项目"),
    "reserves": ("整治储备", "土地整治储备档次"),
    "pairs": ("交易对", "允许（或禁止）的双边交易对"),
    "export_caps": ("调出上限", "卖方调出上限"),
    "distances_km": ("距离", "两地距离，公里"),
    "cities": ("城市", "城市、所属省份与容量"),
    "clusters": ("集群", "集群及其同质组"),
    "fit": ("匹配", "候选分配及匹配得分"),
    "requirements": ("角色需求", "每个集群每个角色需要的城市数"),
    "roles": ("角色", "产业链角色（按顺序）"),
    "current": ("现状布局", "现状布局"),
    "locked": ("锁定", "必须保留的分配"),
    "forbidden": ("禁止", "不得做出的分配"),
    "resource_use": ("资源占用", "每个分配占用的土地与能耗"),
    "synergy": ("协同", "集群之间的关联"),
    "contributions": ("合作方投入", "各合作方的投入"),
    "technology": ("技术", "园区活动的投入产出"),
    "forecast": ("收入预测", "逐年可分享收入"),
    "taxes": ("税收", "逐年税收（分税种）"),
    "tax_layers": ("税收分层", "各税种地方留成与层级划分"),
    "phases": ("分期", "分成阶段"),
    "settings": ("设置", "模型设置"),
}

#: A model's name (its ``what``) in Chinese, for the templates.
MODELS: dict[str, str] = {
    "the land-quota plan": "土地指标跨省域调剂",
    "cluster role plan": "先进制造业集群分工协作",
    "enclave revenue sharing": "飞地经济财税分享",
    "the integrated plan": "区域协同综合规划",
}

#: setting -> Chinese description (the English one comes from the settings model).
SETTINGS: dict[str, str] = {
    # land
    "within_province": "开放省内调剂渠道",
    "bilateral": "开放双边交易（跨省域调剂）；只有交易对表中列出的交易对可以交易",
    "platform": "开放国家统筹平台（按法定价格）；平台系数空白的省份只能卖出",
    "intra_cost_10k_cny_per_unit": "省内调剂的交易成本，万元/单位",
    "transport_cost_10k_cny_per_unit_km": "双边交易的距离成本，万元/单位/公里（需要距离表）",
    "platform_payout_coefficient": "平台向卖方支付法定单价乘以该系数；假设（无出处）：1.0",
    "national_floor_mu": "全国（全部省份）耕地红线，亩；空白＝无",
    "red_line_follows_trade": "跨省净调出耕地面积时红线相应提高，净调入时降低（建模选择）",
    "binary_projects": "项目要么全部实现要么不实现（整数规划）",
    "banking": "未用指标结转下一期（多期）",
    "yibu_dingzhan": "以补定占：第 t+1 期占用耕地不超过第 t 期净增耕地（第 1 期为上年净增耕地）",
    "per_capita_spread_cap": "各地区人均实现用地极差上限，亩/万人；空白＝无",
    "spread_penalty_10k_cny": "目标函数中的公平惩罚，万元/单位人均极差",
    "gini_cap": "人均实现用地基尼系数上限（约束数随地区数平方增长）；空白＝无",
    "gini_max_regions": "允许建立基尼系数上限的最多地区数",
    "statutory": "法定价格参数",
    "statutory.base_10k_cny_per_mu": "法定价格：基准价，万元/亩",
    "statutory.paddy_base_10k_cny_per_mu": "法定价格：水田基准价，万元/亩",
    "statutory.capacity_10k_cny_per_100kg": "法定价格：粮食产能单价，万元/百公斤",
    # clusters
    "core_distance_km": "近核心角色（默认供应商、制造）须在同一集群核心城市的此距离内，公里；空白＝无此规则",
    "neighbour_km": "两城市在此距离（公里，任一方向）内视为相邻（反同质化规则）",
    "homogeneity": "penalty：相邻城市在同一组内同为核心时扣分；forbid：禁止；off：不设规则",
    "homogeneity_penalty": "每对相邻重复核心扣除的目标分",
    "synergy_km": "集群在此距离（公里）内有关联集群时获得协同收益（0＝同一城市）",
    "fit_weight": "匹配项的权重",
    "synergy_weight": "协同项的权重",
    "change_penalty": "相对现状每改变一个（城市，集群）扣除的目标分",
    "max_changes": "相对现状改变的（城市，集群）数上限；空白＝不限",
    "min_cores_per_province": "每个省至少承担的核心角色数",
    "core_share_tolerance": "按省份核心占比时允许偏离的核心数",
    # enclave
    "case_name": "案例名称（写入结果）",
    "methods": "要计算的分配方法，逗号分隔：shapley, nucleolus, owen, nash, proportional",
    "schedule_method": "分成时间表所依据的分配方法",
    "proportional_to": "proportional 方法按哪一列的投入比例分配（如 capital_10k_cny）",
    "discount_rate": "年折现率",
    "target": "net：先收回前期投入再按分配分享；gross：总收入按分配分享",
    "step": "分成比例取整的步长（如 0.05）；空白＝不取整",
    "years": "无收入预测时：示意性预测的年数",
    "ramp_years": "无收入预测时：示意性预测达产所需年数",
    "shared_layers": "参与分享的地方层级，逗号分隔（如 city, county）；空白＝全部",
    # integrated plan
    "value_per_point_10k_cny": "集群得分每分的价值，万元/分（示意性）",
    "enclave_penalty_points_per_km": "飞地角色按飞出地与飞入地距离损失的匹配分，分/公里（示意性）",
    "period": "角色取得用地的土地市场期次",
    "cross_province_trade": "允许跨省交易用地指标（双边交易与国家平台）",
    "cross_border_enclaves": "允许跨省的飞地配对",
    "coalition": "可以跨界协同（交易、飞地）的省份，其余省份各自规划；空白＝全部省份",
    "tax_10k_cny_per_mu_per_year": "角色用地每亩每年留存地方的税收，万元（用于飞地收入与分成时间表）",
    "enclave_split": "source_share 为空的飞地：按该对城市的飞地博弈用此规则分配",
    "schedule_years": "飞地收入预测的年数",
}


def _schema_key(schema: Any) -> list[str]:
    name = getattr(schema, "__name__", str(schema))
    mod = getattr(schema, "__module__", "")
    model = mod.split(".")[1] if mod.startswith("regionopt.") and mod.count(".") >= 1 else ""
    return [f"{name}@{model}", name]


def zh_column(schema: Any, column: str) -> tuple[str, str]:
    """(Chinese header, Chinese description) of ``column`` in ``schema``; ``("", "")`` if none."""
    for key in _schema_key(schema):
        if (key, column) in BY_SCHEMA:
            return BY_SCHEMA[key, column]
    return COLUMNS.get(column, ("", ""))


def aliases(schema: Any) -> dict[str, str]:
    """Chinese header -> column, for the fields of ``schema``."""
    out: dict[str, str] = {}
    for col in getattr(schema, "model_fields", {}):
        zh, _ = zh_column(schema, col)
        if zh:
            out[zh] = col
    return out


def field_of_alias(schema: Any, header: str) -> str | None:
    """The column whose Chinese header is ``header`` in ``schema``, else ``None``."""
    return aliases(schema).get(str(header).strip())


def sheet_of_alias(name: str) -> str | None:
    """The sheet whose Chinese name is ``name``, else ``None``."""
    for sheet, (zh, _) in TABLES.items():
        if zh == name.strip():
            return sheet
    return None


def zh_setting(key: str) -> str:
    """Chinese description of a setting ('' if none)."""
    return SETTINGS.get(key, "")

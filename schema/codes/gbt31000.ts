import type { CodeTableDef } from './code-table';

/**
 * The code tables of GB/T 31000-2015 《社会治安综合治理基础数据规范》, as listed in
 * shared/reference/gbt31000-codes.md (reconstructed from public implementations of the standard, OCR typos
 * corrected there). Every value is copied exactly as the reference gives it; where the reference flags a
 * doubt, the table's `uncertain` says what was chosen.
 *
 * `GBT31000_LOCAL_TABLES` holds the dictionaries that the standard names but whose values the reference does
 * not know: they carry suggested values, `standard: 'local'` and an `uncertain` note, and are meant to be
 * reconfigured per deployment.
 *
 * The person-block tables (性别, 民族, 学历 …) are in `./person-block.ts`.
 */

const GBT31000 = 'GB/T 31000-2015';
const LOCAL = 'local';

export const GBT31000_TABLES: CodeTableDef[] = [
  /** 综治中心层级; 领导责任制 被实施地区层级 / 实施主体层级. */
  {
    id: 'admin_level',
    label: '层级',
    standard: GBT31000,
    values: [
      { code: '01', label: '中央' },
      { code: '02', label: '省/自治区/直辖市' },
      { code: '03', label: '地/市/州/盟' },
      { code: '04', label: '县/市/区/旗' },
      { code: '05', label: '乡镇/街道' },
      { code: '06', label: '村/社区' },
    ],
  },
  /** 综治机构. */
  {
    id: 'agency_type',
    label: '机构类型',
    standard: GBT31000,
    values: [
      { code: '01', label: '综治委' },
      { code: '02', label: '综治办' },
      { code: '03', label: '综治中心' },
    ],
  },
  /** 综治领导责任制. */
  {
    id: 'policy_kind',
    label: '政策种类',
    standard: GBT31000,
    values: [
      { code: '01', label: '表彰奖励' },
      { code: '02', label: '通报' },
      { code: '03', label: '沟通警示' },
      { code: '04', label: '约谈' },
      { code: '05', label: '挂牌督办' },
      { code: '06', label: '处分建议' },
      { code: '07', label: '实行一票否决权制' },
      { code: '99', label: '其他' },
    ],
  },
  /** 重特大案(事)件 案(事)件分级. */
  {
    id: 'major_case_grade',
    label: '案件分级',
    standard: GBT31000,
    values: [
      { code: '01', label: '特别重大' },
      { code: '02', label: '重大' },
      { code: '03', label: '较大' },
      { code: '04', label: '一般' },
    ],
  },
  /** 重特大案(事)件 案(事)件类型. */
  {
    id: 'major_case_type',
    label: '案件类型',
    standard: GBT31000,
    values: [
      { code: '01', label: '安全事故' },
      { code: '02', label: '群体性事件' },
      { code: '03', label: '食品安全事故' },
      { code: '04', label: '有关刑事案件' },
      { code: '99', label: '其他' },
    ],
  },
  /** 群防群治队伍. */
  {
    id: 'team_type',
    label: '组织类型',
    standard: GBT31000,
    values: [
      { code: '01', label: '专职巡防队伍' },
      { code: '02', label: '义务巡防队伍' },
      { code: '03', label: '保安服务公司' },
      { code: '04', label: '志愿者队伍' },
      { code: '99', label: '其他' },
    ],
  },
  /** 综治机构人员. */
  {
    id: 'staff_rank',
    label: '人员级别',
    standard: GBT31000,
    values: [
      { code: '111', label: '省部级正职' },
      { code: '112', label: '省部级副职' },
      { code: '121', label: '厅局级正职' },
      { code: '122', label: '厅局级副职' },
      { code: '131', label: '县处级正职' },
      { code: '132', label: '县处级副职' },
      { code: '141', label: '乡科级正职' },
      { code: '142', label: '乡科级副职' },
      { code: '150', label: '科员级' },
      { code: '160', label: '办事员级' },
      { code: '199', label: '未定级公务员' },
    ],
  },
  /** 综治机构人员. */
  {
    id: 'staff_post',
    label: '人员职务',
    standard: GBT31000,
    values: [
      { code: '01', label: '主任' },
      { code: '02', label: '副主任' },
      { code: '03', label: '处长' },
      { code: '04', label: '副处长' },
      { code: '05', label: '科长' },
      { code: '06', label: '副科长' },
      { code: '07', label: '科员' },
      { code: '08', label: '办事员' },
    ],
  },
  /** 群防群治人员. */
  {
    id: 'specialty',
    label: '专业特长',
    standard: GBT31000,
    values: [
      { code: '01', label: '驾车' },
      { code: '02', label: '驾船' },
      { code: '03', label: '驾机' },
      { code: '04', label: '射击' },
      { code: '05', label: '爆破' },
      { code: '06', label: '枪械' },
      { code: '07', label: '绘画' },
      { code: '08', label: '书法' },
      { code: '09', label: '摄影' },
      { code: '10', label: '摄像' },
      { code: '11', label: '表演' },
      { code: '12', label: '雕刻' },
      { code: '13', label: '通讯技术' },
      { code: '14', label: '计算机技术' },
      { code: '15', label: '法律咨询' },
      { code: '16', label: '心理咨询' },
      { code: '17', label: '医疗救护' },
      { code: '18', label: '武术' },
      { code: '19', label: '维修' },
      { code: '20', label: '外语' },
      { code: '21', label: '民族语言' },
      { code: '22', label: '手语' },
      { code: '99', label: '其他' },
    ],
  },
  /** 户籍人口, 留守人员. (The OCR source read 入户一致标识; corrected in the reference.) */
  {
    id: 'household_match',
    label: '人户一致标识',
    standard: GBT31000,
    values: [
      { code: '01', label: '一致' },
      { code: '02', label: '不一致' },
    ],
  },
  /** 流动人口. */
  {
    id: 'inflow_reason',
    label: '流入原因',
    standard: GBT31000,
    values: [
      { code: '01', label: '务工' },
      { code: '02', label: '务农' },
      { code: '03', label: '经商' },
      { code: '04', label: '学习培训' },
      { code: '05', label: '婚嫁' },
      { code: '06', label: '随迁' },
      { code: '07', label: '治病疗养' },
      { code: '08', label: '投亲靠友' },
      { code: '09', label: '工作调动' },
      { code: '99', label: '其他' },
    ],
  },
  /** 流动人口. */
  {
    id: 'permit_type',
    label: '办证类型',
    standard: GBT31000,
    values: [
      { code: '01', label: '居住证' },
      { code: '02', label: '暂住证' },
      { code: '99', label: '其他' },
    ],
  },
  /** 流动人口. */
  {
    id: 'residence_type',
    label: '住所类型',
    standard: GBT31000,
    values: [
      { code: '01', label: '自购房屋' },
      { code: '02', label: '租赁房屋' },
      { code: '03', label: '寄宿' },
      { code: '04', label: '借住' },
      { code: '05', label: '单位宿舍' },
      { code: '06', label: '临时性宿舍' },
      { code: '07', label: '农民工公寓' },
      { code: '99', label: '其他' },
    ],
  },
  /** 境外人员. */
  {
    id: 'visit_purpose',
    label: '来华目的',
    standard: GBT31000,
    values: [
      { code: '01', label: '商务' },
      { code: '02', label: '就业' },
      { code: '03', label: '学习' },
      { code: '04', label: '定居' },
      { code: '05', label: '探亲' },
      { code: '99', label: '其他' },
    ],
  },
  /** 留守人员 and their family members. */
  {
    id: 'health_status',
    label: '健康状况',
    standard: GBT31000,
    values: [
      { code: '01', label: '很好' },
      { code: '02', label: '较好' },
      { code: '03', label: '一般' },
      { code: '04', label: '较差' },
      { code: '05', label: '很差' },
    ],
  },
  /** 留守人员. */
  {
    id: 'left_behind_type',
    label: '留守人员类型',
    standard: GBT31000,
    values: [
      { code: '01', label: '留守老人' },
      { code: '02', label: '留守妇女' },
      { code: '03', label: '留守儿童' },
    ],
  },
  /** 出租房屋. */
  {
    id: 'building_use',
    label: '建筑用途',
    standard: GBT31000,
    values: [
      { code: '01', label: '住宅' },
      { code: '02', label: '商业' },
      { code: '03', label: '办公' },
      { code: '04', label: '工业' },
      { code: '05', label: '仓储' },
      { code: '06', label: '商住混用' },
      { code: '99', label: '其他' },
    ],
  },
  /** 出租房屋. */
  {
    id: 'rental_use',
    label: '出租用途',
    standard: GBT31000,
    uncertain:
      '04 办公: the source prints "(0?)4 办公" (an OCR-dropped digit); 04 fills the gap between 03 and 05 and is used here — verify against the printed standard.',
    values: [
      { code: '01', label: '宿舍' },
      { code: '02', label: '住房' },
      { code: '03', label: '商铺' },
      { code: '04', label: '办公' },
      { code: '05', label: '仓库' },
      { code: '06', label: '厂房' },
      { code: '99', label: '其他' },
    ],
  },
  /** 出租房屋. */
  {
    id: 'rental_hazard_type',
    label: '隐患类型',
    standard: GBT31000,
    values: [
      { code: '00', label: '无' },
      { code: '01', label: '火灾隐患' },
      { code: '02', label: '治安隐患' },
      { code: '03', label: '矛盾纠纷隐患' },
      { code: '04', label: '危化物品隐患' },
      { code: '05', label: '疾病传染隐患' },
      { code: '99', label: '其他' },
    ],
  },
  /** 刑满释放人员 原罪名 / 重新犯罪罪名 (the chapters of the Criminal Law, part II). */
  {
    id: 'crime_category',
    label: '罪名分类',
    standard: GBT31000,
    values: [
      { code: '01', label: '危害国家安全罪' },
      { code: '02', label: '危害公共安全罪' },
      { code: '03', label: '破坏社会主义市场经济秩序罪' },
      { code: '04', label: '侵犯公民人身权利、民主权利罪' },
      { code: '05', label: '侵犯财产罪' },
      { code: '06', label: '妨害社会管理秩序罪' },
      { code: '07', label: '危害国防利益罪' },
      { code: '08', label: '贪污贿赂罪' },
      { code: '09', label: '渎职罪' },
      { code: '10', label: '军人违反职责罪' },
    ],
  },
  /** 刑满释放人员. */
  {
    id: 'release_risk_type',
    label: '危险性评估类型',
    standard: GBT31000,
    values: [
      { code: '01', label: '重点帮教人员' },
      { code: '02', label: '一般帮教人员' },
    ],
  },
  /** 刑满释放人员. */
  {
    id: 'handover_status',
    label: '衔接情况',
    standard: GBT31000,
    values: [
      { code: '01', label: '基层政府接回' },
      { code: '02', label: '监所送回原籍' },
      { code: '03', label: '司法所接回' },
      { code: '04', label: '公安机关落实管控措施' },
      { code: '05', label: '基层组织接回' },
      { code: '06', label: '人员自返' },
      { code: '99', label: '其他衔接情况' },
    ],
  },
  /** 刑满释放人员. */
  {
    id: 'resettlement_status',
    label: '安置情况',
    standard: GBT31000,
    values: [
      { code: '01', label: '落实责任田' },
      { code: '02', label: '公益性岗位安置' },
      { code: '03', label: '企业认证为安置基地安置' },
      { code: '04', label: '建设政府投入为主的安置基地安置' },
      { code: '05', label: '从事个体经营' },
      { code: '06', label: '企业和经济实体吸纳就业' },
      { code: '07', label: '自主创业' },
      { code: '99', label: '其他安置方式' },
    ],
  },
  /** 社区矫正人员. */
  {
    id: 'correction_category',
    label: '矫正类别',
    standard: GBT31000,
    values: [
      { code: '01', label: '管制' },
      { code: '02', label: '缓刑' },
      { code: '03', label: '假释' },
      { code: '04', label: '暂予监外执行' },
      { code: '05', label: '剥夺政治权利' },
    ],
  },
  /** 社区矫正人员. */
  {
    id: 'reception_method',
    label: '接收方式',
    standard: GBT31000,
    values: [
      { code: '01', label: '自行报到' },
      { code: '02', label: '狱所押送' },
      { code: '03', label: '当庭交接' },
      { code: '99', label: '其他' },
    ],
  },
  /** 社区矫正人员 (multi-select). */
  {
    id: 'four_histories',
    label: '"四史"情况',
    standard: GBT31000,
    multiple: true,
    values: [
      { code: '01', label: '吸毒史' },
      { code: '02', label: '逃脱史' },
      { code: '03', label: '自杀史' },
      { code: '04', label: '袭警史' },
    ],
  },
  /** 社区矫正人员 (multi-select). */
  {
    id: 'three_involvements',
    label: '"三涉"情况',
    standard: GBT31000,
    multiple: true,
    values: [
      { code: '01', label: '涉毒' },
      { code: '02', label: '涉黑' },
      { code: '03', label: '涉枪' },
    ],
  },
  /** 社区矫正人员 矫正小组人员情况 (multi-select). */
  {
    id: 'correction_team_member',
    label: '矫正小组人员组成类型',
    standard: GBT31000,
    multiple: true,
    values: [
      { code: '01', label: '司法所工作人员' },
      { code: '02', label: '社会工作者' },
      { code: '03', label: '志愿者' },
      { code: '04', label: '村(居)委会人员' },
      { code: '05', label: '所在单位人员' },
      { code: '06', label: '就读学校人员' },
      { code: '07', label: '家庭成员或监护人' },
      { code: '08', label: '保证人' },
      { code: '99', label: '其他' },
    ],
  },
  /** 社区矫正人员. */
  {
    id: 'correction_end_type',
    label: '矫正解除(终止)类型',
    standard: GBT31000,
    values: [
      { code: '01', label: '期满解除' },
      { code: '02', label: '收监执行' },
      { code: '03', label: '死亡' },
      { code: '04', label: '居住地变更' },
      { code: '99', label: '其他' },
    ],
  },
  /** 吸毒人员. */
  {
    id: 'drug_control_status',
    label: '管控情况',
    standard: GBT31000,
    values: [
      { code: '01', label: '在控' },
      { code: '02', label: '失控' },
      { code: '03', label: '死亡' },
      { code: '04', label: '出国(境)' },
      { code: '05', label: '社会面戒断三年未复吸' },
      { code: '06', label: '社会面戒断不满三年' },
    ],
  },
  /** 严重精神障碍患者. */
  {
    id: 'family_economy',
    label: '家庭经济情况',
    standard: GBT31000,
    values: [
      { code: '01', label: '无固定经济来源' },
      { code: '02', label: '有固定经济来源' },
      { code: '03', label: '低收入家庭' },
      { code: '04', label: '贫困' },
      { code: '99', label: '其他' },
    ],
  },
  /** 严重精神障碍患者. */
  {
    id: 'mental_diagnosis',
    label: '目前诊断类型',
    standard: GBT31000,
    values: [
      { code: '01', label: '精神分裂症' },
      { code: '02', label: '分裂情感性障碍' },
      { code: '03', label: '持久的妄想性障碍(偏执性精神病)' },
      { code: '04', label: '双相(情感)障碍' },
      { code: '05', label: '癫痫所致精神障碍' },
      { code: '06', label: '精神发育迟滞伴发精神障碍' },
      { code: '07', label: '重度抑郁发作' },
      { code: '08', label: '精神活性物质所致精神障碍' },
      { code: '99', label: '其他' },
    ],
  },
  /** 严重精神障碍患者. Note: code 01 is level 0 … code 06 is level 5 — do not store the level number as the code. */
  {
    id: 'mental_risk_level',
    label: '目前危险性评估等级',
    standard: GBT31000,
    values: [
      { code: '01', label: '0级' },
      { code: '02', label: '1级' },
      { code: '03', label: '2级' },
      { code: '04', label: '3级' },
      { code: '05', label: '4级' },
      { code: '06', label: '5级' },
    ],
  },
  /** 严重精神障碍患者. */
  {
    id: 'treatment_status',
    label: '治疗情况',
    standard: GBT31000,
    values: [
      { code: '01', label: '住院治疗' },
      { code: '02', label: '居家服用抗精神病药物治疗' },
      { code: '03', label: '其他治疗' },
      { code: '04', label: '未接受过治疗' },
    ],
  },
  /** 严重精神障碍患者 (multi-select). */
  {
    id: 'hospitalization_reason',
    label: '实施住院治疗原因',
    standard: GBT31000,
    multiple: true,
    values: [
      { code: '01', label: '已发生危害他人安全的行为' },
      { code: '02', label: '存在危害他人安全的危险' },
      { code: '99', label: '其他' },
    ],
  },
  /** 严重精神障碍患者 (multi-select). */
  {
    id: 'management_participant',
    label: '参与管理人员',
    standard: GBT31000,
    multiple: true,
    values: [
      { code: '01', label: '基层医务人员' },
      { code: '02', label: '片区民警' },
      { code: '03', label: '民政干事' },
      { code: '04', label: '助残员' },
      { code: '05', label: '村(居)委会干部' },
      { code: '99', label: '其他' },
    ],
  },
  /** 严重精神障碍患者 帮扶情况 (multi-select; the values are the helping agencies). The 帮扶情况 of 留守/吸毒/艾滋病/刑释 records is free text. */
  {
    id: 'assistance_agency',
    label: '帮扶情况',
    standard: GBT31000,
    multiple: true,
    values: [
      { code: '01', label: '民政' },
      { code: '02', label: '卫生' },
      { code: '03', label: '公安' },
      { code: '04', label: '残联' },
      { code: '05', label: '街道办事处或乡镇政府' },
      { code: '06', label: '非政府组织' },
      { code: '99', label: '其他' },
    ],
  },
  /** 艾滋病危险人员. */
  {
    id: 'infection_route',
    label: '感染途径',
    standard: GBT31000,
    values: [
      { code: '01', label: '异性性传播' },
      { code: '02', label: '同性性传播' },
      { code: '03', label: '注射毒品传播' },
      { code: '04', label: '母婴传播' },
      { code: '05', label: '输血及使用血制品传播' },
      { code: '06', label: '性接触加注射毒品传播' },
      { code: '07', label: '既往采血浆传播' },
      { code: '99', label: '不详' },
    ],
  },
  /** 艾滋病危险人员. */
  {
    id: 'hiv_attention_type',
    label: '关注类型',
    standard: GBT31000,
    values: [
      { code: '00', label: '无' },
      { code: '01', label: '故意传播' },
      { code: '02', label: '造谣传谣' },
      { code: '03', label: '恐吓' },
      { code: '04', label: '聚众上访' },
      { code: '05', label: '非正常维权' },
      { code: '06', label: '非正常上访' },
    ],
  },
  /** 艾滋病危险人员. */
  {
    id: 'admission_status',
    label: '收治情况',
    standard: GBT31000,
    values: [
      { code: '00', label: '无' },
      { code: '01', label: '羁押' },
      { code: '02', label: '抗病毒治疗' },
      { code: '03', label: '戒毒药物维持治疗' },
      { code: '99', label: '其他' },
    ],
  },
  /** 重点青少年. */
  {
    id: 'youth_type',
    label: '人员类型',
    standard: GBT31000,
    values: [
      { code: '01', label: '闲散青少年' },
      { code: '02', label: '有不良行为或严重不良行为青少年' },
      { code: '03', label: '流浪乞讨未成年人' },
      { code: '04', label: '服刑人员未成年子女' },
      { code: '05', label: '农村留守儿童' },
      { code: '99', label: '其他' },
    ],
  },
  /** 重点青少年. */
  {
    id: 'family_situation',
    label: '家庭情况',
    standard: GBT31000,
    values: [
      { code: '01', label: '低收入家庭' },
      { code: '02', label: '单亲家庭' },
      { code: '03', label: '流动家庭' },
      { code: '04', label: '扶养人受教育水平相对较低' },
      { code: '05', label: '与父母关系不融洽' },
      { code: '06', label: '家庭成员的不良行为多' },
      { code: '99', label: '其他' },
    ],
  },
  /** 重点青少年. */
  {
    id: 'assistance_means',
    label: '帮扶手段',
    standard: GBT31000,
    values: [
      { code: '01', label: '教育矫治' },
      { code: '02', label: '思想引导' },
      { code: '03', label: '困难帮扶' },
      { code: '04', label: '心理关爱' },
      { code: '99', label: '其他' },
    ],
  },
  /** 非公有制经济组织. */
  {
    id: 'enterprise_category',
    label: '企业类别',
    standard: GBT31000,
    values: [
      { code: '01', label: '内资企业' },
      { code: '02', label: '外资企业' },
      { code: '03', label: '个体工商户' },
      { code: '04', label: '农民专业合作社' },
      { code: '99', label: '其他企业' },
    ],
  },
  /** 非公有制经济组织. */
  {
    id: 'enterprise_hazard_type',
    label: '安全隐患类型',
    standard: GBT31000,
    values: [
      { code: '00', label: '无' },
      { code: '01', label: '治安隐患' },
      { code: '02', label: '消防隐患' },
      { code: '03', label: '矛盾纠纷隐患' },
      { code: '04', label: '劳资纠纷隐患' },
      { code: '99', label: '其他' },
    ],
  },
  /** 非公有制经济组织, 社会组织. */
  {
    id: 'attention_level',
    label: '关注程度',
    standard: GBT31000,
    values: [
      { code: '01', label: '高' },
      { code: '02', label: '中' },
      { code: '03', label: '低' },
    ],
  },
  /** 社会组织. */
  {
    id: 'social_org_type',
    label: '社会组织类型',
    standard: GBT31000,
    values: [
      { code: '01', label: '社会团体' },
      { code: '02', label: '民办非企业单位' },
      { code: '03', label: '基金会' },
      { code: '99', label: '其他' },
    ],
  },
  /** 重点地区排查整治. */
  {
    id: 'security_problem',
    label: '治安突出问题',
    standard: GBT31000,
    values: [
      { code: '01', label: '命案' },
      { code: '02', label: '入室盗窃' },
      { code: '03', label: '抢劫抢夺' },
      { code: '04', label: '电信诈骗' },
      { code: '05', label: '拎包扒窃' },
      { code: '06', label: '偷盗机动车' },
      { code: '07', label: '卖淫嫖娼' },
      { code: '08', label: '赌博' },
      { code: '09', label: '拐卖妇女儿童' },
      { code: '10', label: '制假贩假' },
      { code: '11', label: '制黄贩黄' },
      { code: '12', label: '高利贷' },
      { code: '13', label: '强买强卖' },
      { code: '14', label: '交通秩序混乱' },
      { code: '99', label: '其他' },
    ],
  },
  /** 重点地区排查整治. */
  {
    id: 'area_type',
    label: '涉及区域类型',
    standard: GBT31000,
    values: [
      { code: '01', label: '学校周边' },
      { code: '02', label: '交通场站' },
      { code: '03', label: '娱乐场所' },
      { code: '04', label: '集贸市场' },
      { code: '05', label: '城乡接合部' },
      { code: '06', label: '重点线路' },
      { code: '99', label: '其他' },
    ],
  },
  /** 重点地区排查整治. */
  {
    id: 'effect_evaluation',
    label: '效果评估',
    standard: GBT31000,
    uncertain:
      'Kept in the order the source prints: 03 差, 04 较差. The natural scale would be 03 较差, 04 差 — the source may have swapped them; verify before ranking by code.',
    values: [
      { code: '01', label: '好' },
      { code: '02', label: '较好' },
      { code: '03', label: '差' },
      { code: '04', label: '较差' },
    ],
  },
  /** 寄递物流企业 (the national statistical 登记注册类型 codes). */
  {
    id: 'registration_type',
    label: '登记注册类型',
    standard: GBT31000,
    values: [
      { code: '110', label: '国有' },
      { code: '120', label: '集体' },
      { code: '130', label: '股份合作' },
      { code: '140', label: '联营' },
      { code: '150', label: '有限责任公司' },
      { code: '160', label: '股份有限公司' },
      { code: '170', label: '私营' },
      { code: '190', label: '其他内资企业' },
      { code: '200', label: '港澳台商投资企业' },
      { code: '300', label: '外商投资企业' },
    ],
  },
  /** 寄递物流企业. */
  {
    id: 'holding_type',
    label: '控股情况',
    standard: GBT31000,
    values: [
      { code: '110', label: '国有控股' },
      { code: '120', label: '集体控股' },
      { code: '210', label: '私人控股' },
      { code: '220', label: '港澳台控股' },
      { code: '230', label: '外商控股' },
    ],
  },
  /** 寄递物流企业. */
  {
    id: 'business_scope',
    label: '经营范围',
    standard: GBT31000,
    values: [
      { code: '01', label: '国内同城' },
      { code: '02', label: '国内异地' },
      { code: '03', label: '港澳台' },
      { code: '04', label: '国际' },
    ],
  },
  /** 寄递物流企业. */
  {
    id: 'delivery_enterprise_type',
    label: '企业类型',
    standard: GBT31000,
    values: [
      { code: '01', label: '取得快递(物流)业务经营许可证企业' },
      { code: '02', label: '备案分支机构' },
      { code: '99', label: '其他' },
    ],
  },
  /** 矛盾纠纷事件. */
  {
    id: 'event_scale',
    label: '事件规模',
    standard: GBT31000,
    values: [
      { code: '01', label: '个体性事件' },
      { code: '02', label: '一般群体性事件' },
      { code: '03', label: '重大群体性事件' },
    ],
  },
  /** 矛盾纠纷事件 事件类别: two levels, first-level 01…16 and 99, second-level 0101… with `parent`. Either level may be recorded. */
  {
    id: 'dispute_type',
    label: '事件类型',
    standard: GBT31000,
    hierarchical: true,
    uncertain:
      'Second-level codes 0299, 0399 … 1599 are printed without a name; they are named 其他 like 0199. 14 涉法涉诉纠纷 and 16 涉民族宗教纠纷 have no xx99 code in the source. 1002 reads 设立解散 (the OCR source has 设立解敬, corrected in the reference).',
    values: [
      { code: '01', label: '婚恋家庭纠纷' },
      { code: '0101', label: '恋爱及婚姻', parent: '01' },
      { code: '0102', label: '抚养赡养监护', parent: '01' },
      { code: '0103', label: '分家与继承', parent: '01' },
      { code: '0199', label: '其他', parent: '01' },
      { code: '02', label: '邻里纠纷' },
      { code: '0201', label: '用水排水通行通风采光', parent: '02' },
      { code: '0202', label: '相邻土地建筑利用', parent: '02' },
      { code: '0203', label: '相邻污染损害防止', parent: '02' },
      { code: '0299', label: '其他', parent: '02' },
      { code: '03', label: '人格权纠纷' },
      { code: '0301', label: '姓名肖像', parent: '03' },
      { code: '0302', label: '名誉隐私', parent: '03' },
      { code: '0303', label: '身体健康及人身自由', parent: '03' },
      { code: '0399', label: '其他', parent: '03' },
      { code: '04', label: '物权相关纠纷' },
      { code: '0401', label: '财物返还及损害赔偿', parent: '04' },
      { code: '0402', label: '物业及其管理', parent: '04' },
      { code: '0403', label: '房屋等不动产登记', parent: '04' },
      { code: '0499', label: '其他', parent: '04' },
      { code: '05', label: '侵权相关纠纷' },
      { code: '0501', label: '教育机构', parent: '05' },
      { code: '0502', label: '医疗损害', parent: '05' },
      { code: '0503', label: '交通事故', parent: '05' },
      { code: '0504', label: '环境污染', parent: '05' },
      { code: '0505', label: '产品责任', parent: '05' },
      { code: '0506', label: '网络侵权', parent: '05' },
      { code: '0507', label: '劳务损害', parent: '05' },
      { code: '0599', label: '其他', parent: '05' },
      { code: '06', label: '合同及相关纠纷' },
      { code: '0601', label: '消费及服务', parent: '06' },
      { code: '0602', label: '房产买卖租赁', parent: '06' },
      { code: '0603', label: '交易贸易', parent: '06' },
      { code: '0604', label: '运输仓储', parent: '06' },
      { code: '0699', label: '其他', parent: '06' },
      { code: '07', label: '劳动人事争议' },
      { code: '0701', label: '劳动合同、劳务派遣', parent: '07' },
      { code: '0702', label: '社会保险', parent: '07' },
      { code: '0703', label: '福利待遇', parent: '07' },
      { code: '0704', label: '人事争议', parent: '07' },
      { code: '0799', label: '其他', parent: '07' },
      { code: '08', label: '金融借贷纠纷' },
      { code: '0801', label: '证券基金期货', parent: '08' },
      { code: '0802', label: '投资信托理财', parent: '08' },
      { code: '0803', label: '保险', parent: '08' },
      { code: '0804', label: '借贷及担保', parent: '08' },
      { code: '0899', label: '其他', parent: '08' },
      { code: '09', label: '土地及资源权属纠纷' },
      { code: '0901', label: '土地承包经营', parent: '09' },
      { code: '0902', label: '宅基地使用', parent: '09' },
      { code: '0903', label: '山林矿产', parent: '09' },
      { code: '0904', label: '水域水利', parent: '09' },
      { code: '0999', label: '其他', parent: '09' },
      { code: '10', label: '其他民商事纠纷' },
      { code: '1001', label: '知识产权', parent: '10' },
      { code: '1002', label: '公司企业设立解散', parent: '10' },
      { code: '1003', label: '海事海商', parent: '10' },
      { code: '1004', label: '竞争纠纷', parent: '10' },
      { code: '1005', label: '票据与信用证', parent: '10' },
      { code: '1006', label: '无因管理与不当得利', parent: '10' },
      { code: '1099', label: '其他', parent: '10' },
      { code: '11', label: '城乡建设发展纠纷' },
      { code: '1101', label: '国有土地上房屋征收', parent: '11' },
      { code: '1102', label: '农村集体土地征用', parent: '11' },
      { code: '1103', label: '城乡规划及拆违', parent: '11' },
      { code: '1104', label: '基础设施建设及市政市容', parent: '11' },
      { code: '1105', label: '移民安置', parent: '11' },
      { code: '1199', label: '其他', parent: '11' },
      { code: '12', label: '涉民政纠纷' },
      { code: '1201', label: '村(社区)选举和管理', parent: '12' },
      { code: '1202', label: '优抚救助', parent: '12' },
      { code: '1203', label: '区划边界', parent: '12' },
      { code: '1299', label: '其他', parent: '12' },
      { code: '13', label: '其他行政执法纠纷' },
      { code: '1301', label: '城市管理', parent: '13' },
      { code: '1302', label: '教育文体管理', parent: '13' },
      { code: '1303', label: '工商税务管理', parent: '13' },
      { code: '1304', label: '安全生产管理', parent: '13' },
      { code: '1305', label: '交通运输管理', parent: '13' },
      { code: '1306', label: '海事渔事管理', parent: '13' },
      { code: '1307', label: '计划生育管理', parent: '13' },
      { code: '1399', label: '其他', parent: '13' },
      { code: '14', label: '涉法涉诉纠纷' },
      { code: '1401', label: '涉公安', parent: '14' },
      { code: '1402', label: '涉检察院', parent: '14' },
      { code: '1403', label: '涉法院', parent: '14' },
      { code: '1404', label: '涉司法行政机关', parent: '14' },
      { code: '15', label: '涉组织涉纪检纠纷' },
      { code: '1501', label: '组织人事', parent: '15' },
      { code: '1502', label: '干部作风', parent: '15' },
      { code: '1599', label: '其他', parent: '15' },
      { code: '16', label: '涉民族宗教纠纷' },
      { code: '1601', label: '涉民族问题', parent: '16' },
      { code: '1602', label: '涉宗教问题', parent: '16' },
      { code: '99', label: '其他' },
    ],
  },
];

/** Dictionaries named by GB/T 31000-2015 whose values are unknown: suggested, configurable values. */
export const GBT31000_LOCAL_TABLES: CodeTableDef[] = [
  /** 矛盾纠纷 化解信息 化解方式. */
  {
    id: 'resolution_method',
    label: '化解方式',
    standard: LOCAL,
    uncertain:
      "Named by the standard, values unknown. These are the reference's suggested values (domain.md §3 lists the same six methods); the codes 01–05, 99 are assigned locally.",
    values: [
      { code: '01', label: '人民调解' },
      { code: '02', label: '行政调解' },
      { code: '03', label: '司法调解' },
      { code: '04', label: '诉调对接' },
      { code: '05', label: '当事人和解' },
      { code: '99', label: '其他' },
    ],
  },
  /** 矛盾纠纷事件 主要当事人 人员类别. */
  {
    id: 'party_category',
    label: '主要当事人人员类别',
    standard: LOCAL,
    uncertain:
      'Named by the standard, values unknown and not suggested by the reference. These are local placeholders (common social-status categories), not from any source: configure before use.',
    values: [
      { code: '01', label: '农民' },
      { code: '02', label: '工人' },
      { code: '03', label: '个体工商户' },
      { code: '04', label: '企业人员' },
      { code: '05', label: '机关事业单位人员' },
      { code: '06', label: '学生' },
      { code: '07', label: '离退休人员' },
      { code: '08', label: '无业人员' },
      { code: '99', label: '其他' },
    ],
  },
  /** 吸毒人员 吸毒原因. */
  {
    id: 'drug_use_reason',
    label: '吸毒原因',
    standard: LOCAL,
    uncertain:
      'Named by the standard, values unknown and not suggested by the reference. These are local placeholders, not from any source: configure before use.',
    values: [
      { code: '01', label: '好奇' },
      { code: '02', label: '追求刺激' },
      { code: '03', label: '受人引诱' },
      { code: '04', label: '受人欺骗或胁迫' },
      { code: '05', label: '交友不慎' },
      { code: '06', label: '缓解病痛' },
      { code: '07', label: '空虚无聊' },
      { code: '99', label: '其他' },
    ],
  },
  /** 吸毒人员 吸毒后果. */
  {
    id: 'drug_use_consequence',
    label: '吸毒后果',
    standard: LOCAL,
    uncertain:
      'Named by the standard, values unknown and not suggested by the reference. These are local placeholders, not from any source: configure before use.',
    values: [
      { code: '01', label: '身体健康受损' },
      { code: '02', label: '感染传染病' },
      { code: '03', label: '家庭破裂' },
      { code: '04', label: '经济困难' },
      { code: '05', label: '违法犯罪' },
      { code: '99', label: '其他' },
    ],
  },
  /** 护路护线 线路基本信息 路线类型. */
  {
    id: 'line_type',
    label: '路线类型',
    standard: LOCAL,
    uncertain:
      'Named by the standard, values unknown. 01–07 are the list of a commercial grid platform quoted by the reference, coded locally in that order; 99 其他 is added locally.',
    values: [
      { code: '01', label: '铁路' },
      { code: '02', label: '公路' },
      { code: '03', label: '水路' },
      { code: '04', label: '电力设施' },
      { code: '05', label: '电信设施' },
      { code: '06', label: '广播电视设施' },
      { code: '07', label: '输油气管道' },
      { code: '99', label: '其他' },
    ],
  },
  /** 护路护线 线路基本信息 治安隐患等级. */
  {
    id: 'security_hazard_level',
    label: '治安隐患等级',
    standard: LOCAL,
    uncertain:
      "Named by the standard, values unknown. The reference suggests 高/中/低 or 重大/较大/一般; 高/中/低 is used (as in the standard's 关注程度), coded locally.",
    values: [
      { code: '01', label: '高' },
      { code: '02', label: '中' },
      { code: '03', label: '低' },
    ],
  },
  /** 校园周边 / 线路周边重点人员 危害程度. */
  {
    id: 'harm_degree',
    label: '危害程度',
    standard: LOCAL,
    uncertain:
      "Named by the standard, values unknown. The reference suggests 高/中/低 or 重大/较大/一般; 高/中/低 is used (as in the standard's 关注程度), coded locally.",
    values: [
      { code: '01', label: '高' },
      { code: '02', label: '中' },
      { code: '03', label: '低' },
    ],
  },
  /** 校园及周边安全 学校基本信息 学校办学类型. */
  {
    id: 'school_type',
    label: '学校办学类型',
    standard: LOCAL,
    uncertain:
      'Named by the standard, values unknown and not suggested by the reference. These are local placeholders (the usual school types); the standard may instead use the education statistics 办学类型 codes — configure before use.',
    values: [
      { code: '01', label: '幼儿园' },
      { code: '02', label: '小学' },
      { code: '03', label: '初级中学' },
      { code: '04', label: '高级中学' },
      { code: '05', label: '完全中学' },
      { code: '06', label: '九年一贯制学校' },
      { code: '07', label: '十二年一贯制学校' },
      { code: '08', label: '中等职业学校' },
      { code: '09', label: '高等学校' },
      { code: '10', label: '特殊教育学校' },
      { code: '99', label: '其他' },
    ],
  },
  /** 涉校 / 涉线路案(事)件 案(事)件性质. */
  {
    id: 'case_nature',
    label: '案(事)件性质',
    standard: LOCAL,
    uncertain:
      'Named by the standard, values unknown and not suggested by the reference. These are local placeholders, not from any source: configure before use.',
    values: [
      { code: '01', label: '刑事案件' },
      { code: '02', label: '治安案件' },
      { code: '99', label: '其他' },
    ],
  },
  /** 护路护线 线路周边重点人员 重点人员类型. */
  {
    id: 'line_key_person_type',
    label: '重点人员类型',
    standard: LOCAL,
    uncertain:
      'Partial: the reference lists 特殊人群特征/废品收购站业主/流动废品收购人员… (the list goes on, values unknown). Those three are kept with their names as given and coded locally; 99 其他 is added locally.',
    values: [
      { code: '01', label: '特殊人群特征' },
      { code: '02', label: '废品收购站业主' },
      { code: '03', label: '流动废品收购人员' },
      { code: '99', label: '其他' },
    ],
  },
  /**
   * The older national dispute classification (pre-GB/T 31000, 中央综治办 排查统计, 19 types), still seen in
   * commercial platforms' exports. For mapping imported data only: new records use `dispute_type`.
   */
  {
    id: 'dispute_type_legacy',
    label: '矛盾纠纷类型(旧分类)',
    standard: LOCAL,
    uncertain:
      'Not a GB/T 31000 table: the 19 types of the older 中央综治办 statistics, names as given by the reference; the source has no codes, so 01–18 (in the order listed) and 99 其他 are assigned locally.',
    values: [
      { code: '01', label: '民族宗教' },
      { code: '02', label: '军转干部、复员退伍军人安置' },
      { code: '03', label: '征地拆迁安置' },
      { code: '04', label: '建筑工程质量、物业管理' },
      { code: '05', label: '土地矿产山林水利界线权属' },
      { code: '06', label: '经济活动' },
      { code: '07', label: '劳资纠纷' },
      { code: '08', label: '企业改制' },
      { code: '09', label: '环境污染、生态破坏' },
      { code: '10', label: '司法活动' },
      { code: '11', label: '行政执法活动' },
      { code: '12', label: '大中专院校、中小学校' },
      { code: '13', label: '海事渔事' },
      { code: '14', label: '干部作风' },
      { code: '15', label: '村(社区、居)务管理' },
      { code: '16', label: '农村土地承包、农村集体"三资"及农民负担' },
      { code: '17', label: '婚姻家庭邻里等民间纠纷' },
      { code: '18', label: '医患纠纷' },
      { code: '99', label: '其他' },
    ],
  },
];

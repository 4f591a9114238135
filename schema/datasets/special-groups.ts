import { attr, COUNT, contact, M, MS, S } from './fields';
import type { DataSetSpec } from './spec';

/**
 * 特殊人群, 重点青少年 (GB/T 31000-2015) and 重点上访人员 (an X module): person records whose data sets are
 * sensitive as a whole (PIPL art. 28: specific identities, health data, minors). The person block is PERSON.
 */

export const RELEASED_PRISONER: DataSetSpec = {
  id: 'released_prisoner',
  label: '刑满释放人员',
  entity: 'person_record',
  kind: 'released_prisoner',
  standard: 'GB/T 31000-2015',
  sensitiveSet: 'special_group',
  fields: [
    attr('isRecidivist', '是否累犯', 'boolean', M),
    attr('originalCharge', '原罪名', 'code', { codeTable: 'crime_category', mandatory: true }),
    attr('originalSentence', '原判刑期', 'text'),
    attr('prisonName', '服刑场所', 'text'),
    attr('releasedOn', '刑满释放日期', 'date', { mandatory: true, notFuture: true }),
    attr('riskAssessmentType', '危险性评估类型', 'code', { codeTable: 'release_risk_type', mandatory: true }),
    attr('handoverOn', '衔接日期', 'date', { notFuture: true }),
    attr('handoverStatus', '衔接情况', 'code', { codeTable: 'handover_status', mandatory: true }),
    attr('resettledOn', '安置日期', 'date', { notFuture: true }),
    attr('resettlementStatus', '安置情况', 'code', { codeTable: 'resettlement_status' }),
    attr('notResettledReason', '未安置原因', 'text'),
    attr('assistance', '帮教情况', 'text'),
    attr('hasReoffended', '是否重新犯罪', 'boolean'),
    attr('reoffenceCharge', '重新犯罪罪名', 'code', {
      codeTable: 'crime_category',
      mandatoryIf: { field: 'hasReoffended', equals: true },
    }),
  ],
};

export const COMMUNITY_CORRECTION: DataSetSpec = {
  id: 'community_correction',
  label: '社区矫正人员',
  entity: 'person_record',
  kind: 'community_correction',
  standard: 'GB/T 31000-2015',
  sensitiveSet: 'special_group',
  fields: [
    attr('correctionNumber', '社区矫正人员编号', 'text', M),
    attr('formerDetentionPlace', '原羁押场所', 'text'),
    attr('correctionCategory', '矫正类别', 'code', { codeTable: 'correction_category', mandatory: true }),
    attr('caseCategory', '案件类别', 'text'),
    attr('specificCharge', '具体罪名', 'text'),
    attr('originalSentence', '原判刑期', 'text'),
    attr('sentenceStartOn', '原判刑开始日期', 'date'),
    attr('sentenceEndOn', '原判刑结束日期', 'date'),
    attr('correctionStartOn', '矫正开始日期', 'date', M),
    attr('correctionEndOn', '矫正结束日期', 'date', M),
    attr('receptionMethod', '接收方式', 'code', { codeTable: 'reception_method', mandatory: true }),
    attr('fourHistories', '"四史"情况', 'codes', { codeTable: 'four_histories' }),
    attr('isHabitualOffender', '是否累惯犯', 'boolean'),
    attr('threeInvolvements', '"三涉"情况', 'codes', { codeTable: 'three_involvements' }),
    attr('hasCorrectionTeam', '是否建立矫正小组', 'boolean'),
    attr('correctionTeamMembers', '矫正小组人员情况', 'codes', {
      codeTable: 'correction_team_member',
      mandatoryIf: { field: 'hasCorrectionTeam', equals: true },
    }),
    attr('correctionEndType', '矫正解除(终止)类型', 'code', { codeTable: 'correction_end_type' }),
    attr('isOutOfControl', '是否脱管', 'boolean'),
    attr('outOfControlReason', '脱管原因', 'text', {
      mandatoryIf: { field: 'isOutOfControl', equals: true },
    }),
    attr('outOfControlInspection', '检查监督情况', 'text'),
    attr('outOfControlCorrection', '脱管纠正情况', 'text'),
    attr('isMissedManagement', '是否漏管', 'boolean'),
    attr('missedManagementReason', '漏管原因', 'text', {
      mandatoryIf: { field: 'isMissedManagement', equals: true },
    }),
    attr('missedManagementInspection', '检查漏管情况', 'text'),
    attr('missedManagementCorrection', '漏管纠正情况', 'text'),
    attr('rewardsAndPunishments', '奖惩情况', 'text'),
    attr('penaltyChangeExecution', '刑罚变更执行情况', 'text'),
    attr('hasReoffended', '是否重新犯罪', 'boolean'),
    attr('reoffenceCharge', '重新犯罪罪名', 'code', {
      codeTable: 'crime_category',
      mandatoryIf: { field: 'hasReoffended', equals: true },
    }),
  ],
};

export const DRUG_USER: DataSetSpec = {
  id: 'drug_user',
  label: '吸毒人员',
  entity: 'person_record',
  kind: 'drug_user',
  standard: 'GB/T 31000-2015',
  sensitiveSet: 'special_group',
  fields: [
    attr('firstDiscoveredOn', '初次发现日期', 'date', { mandatory: true, notFuture: true }),
    attr('controlStatus', '管控情况', 'code', { codeTable: 'drug_control_status', mandatory: true }),
    ...contact('controller', '管控人', M),
    attr('assistance', '帮扶情况', 'text'),
    ...contact('helper', '帮扶人'),
    attr('hasCriminalRecord', '是否有犯罪史', 'boolean'),
    attr('criminalRecord', '犯罪情况', 'text', { mandatoryIf: { field: 'hasCriminalRecord', equals: true } }),
    attr('drugUseReason', '吸毒原因', 'code', { codeTable: 'drug_use_reason' }),
    attr('drugUseConsequence', '吸毒后果', 'code', { codeTable: 'drug_use_consequence' }),
  ],
};

export const SEVERE_MENTAL_DISORDER: DataSetSpec = {
  id: 'severe_mental_disorder',
  label: '肇事肇祸等严重精神障碍患者',
  entity: 'person_record',
  kind: 'severe_mental_disorder',
  standard: 'GB/T 31000-2015',
  sensitiveSet: 'health',
  fields: [
    attr('familyEconomy', '家庭经济情况', 'code', { codeTable: 'family_economy', mandatory: true }),
    attr('isOnSubsistenceAllowance', '是否纳入低保', 'boolean'),
    attr('guardianIdNumber', '监护人公民身份号码', 'citizenId', S),
    attr('guardianName', '监护人姓名', 'text', M),
    attr('guardianPhone', '监护人联系方式', 'phone', MS),
    attr('firstOnsetOn', '初次发病日期', 'date', { notFuture: true }),
    attr('diagnosisType', '目前诊断类型', 'code', { codeTable: 'mental_diagnosis', mandatory: true }),
    attr('hasIncidentHistory', '有无肇事肇祸史', 'boolean', M),
    attr('incidentCount', '肇事肇祸次数', 'int', {
      ...COUNT,
      mandatoryIf: { field: 'hasIncidentHistory', equals: true },
    }),
    attr('lastIncidentOn', '上次肇事肇祸日期', 'date', { notFuture: true }),
    attr('riskLevel', '目前危险性评估等级', 'code', { codeTable: 'mental_risk_level', mandatory: true }),
    attr('treatmentStatus', '治疗情况', 'code', { codeTable: 'treatment_status', mandatory: true }),
    attr('hospitalName', '治疗医院名称', 'text'),
    attr('hospitalizationReasons', '实施住院治疗原因', 'codes', { codeTable: 'hospitalization_reason' }),
    attr('rehabilitationInstitution', '接受康复训练机构名称', 'text'),
    attr('managementParticipants', '参与管理人员', 'codes', { codeTable: 'management_participant' }),
    attr('assistanceAgencies', '帮扶情况', 'codes', { codeTable: 'assistance_agency' }),
  ],
};

export const HIV_RISK: DataSetSpec = {
  id: 'hiv_risk',
  label: '艾滋病危险人员',
  entity: 'person_record',
  kind: 'hiv_risk',
  standard: 'GB/T 31000-2015',
  sensitiveSet: 'health',
  fields: [
    attr('infectionRoute', '感染途径', 'code', { codeTable: 'infection_route', mandatory: true }),
    attr('hasCriminalRecord', '是否有违法犯罪史', 'boolean'),
    attr('criminalRecord', '违法犯罪情况', 'text', {
      mandatoryIf: { field: 'hasCriminalRecord', equals: true },
    }),
    attr('caseCategory', '案件类别', 'code', { codeTable: 'case_nature' }),
    attr('attentionType', '关注类型', 'code', { codeTable: 'hiv_attention_type', mandatory: true }),
    attr('assistance', '帮扶情况', 'text'),
    ...contact('helper', '帮扶人'),
    attr('admissionStatus', '收治情况', 'code', { codeTable: 'admission_status', mandatory: true }),
    attr('admittingInstitution', '收治机构名称', 'text'),
  ],
};

export const KEY_YOUTH: DataSetSpec = {
  id: 'key_youth',
  label: '重点青少年',
  entity: 'person_record',
  kind: 'key_youth',
  standard: 'GB/T 31000-2015',
  sensitiveSet: 'minor',
  note: '关注程度 is not in the standard (a commercial platform has it); the GB/T 31000 关注程度 table is used.',
  fields: [
    attr('youthType', '人员类型', 'code', { codeTable: 'youth_type', mandatory: true }),
    attr('familySituation', '家庭情况', 'code', { codeTable: 'family_situation', mandatory: true }),
    attr('guardianIdNumber', '监护人公民身份号码', 'citizenId', S),
    attr('guardianName', '监护人姓名', 'text', M),
    attr('guardianRelation', '与监护人关系', 'text'),
    attr('guardianPhone', '监护人联系方式', 'phone', MS),
    attr('guardianAddress', '监护人居住详址', 'text', S),
    attr('hasOffended', '是否违法犯罪', 'boolean'),
    attr('offenceDetails', '违法犯罪情况', 'text', { mandatoryIf: { field: 'hasOffended', equals: true } }),
    ...contact('helper', '帮扶人'),
    attr('assistanceMeans', '帮扶手段', 'code', { codeTable: 'assistance_means' }),
    attr('assistance', '帮扶情况', 'text'),
    attr('attentionLevel', '关注程度', 'code', { codeTable: 'attention_level' }),
  ],
};

/**
 * 重点上访人员: an X module (not a GB/T 31000 data set). The matter is classified with the 矛盾纠纷 事件类型 table,
 * the highest level petitioned with 层级 (01 中央 = 进京).
 */
export const PETITIONER: DataSetSpec = {
  id: 'petitioner',
  label: '重点上访人员',
  entity: 'person_record',
  kind: 'petitioner',
  standard: 'X module',
  sensitiveSet: 'special_group',
  fields: [
    attr('petitionMatter', '上访事由', 'text', M),
    attr('petitionType', '上访问题类别', 'code', { codeTable: 'dispute_type', mandatory: true }),
    attr('isCollective', '是否集体访', 'boolean'),
    attr('highestLevel', '最高上访层级', 'code', { codeTable: 'admin_level' }),
    attr('firstPetitionOn', '首次上访日期', 'date', { notFuture: true }),
    attr('lastPetitionOn', '最近上访日期', 'date', { notFuture: true }),
    attr('petitionCount', '上访次数', 'int', COUNT),
    attr('hasAbnormalPetition', '是否有非正常上访', 'boolean'),
    attr('attentionLevel', '关注程度', 'code', { codeTable: 'attention_level', mandatory: true }),
    attr('stabilisationMeasures', '稳控措施', 'text'),
    ...contact('responsible', '包保责任人', M),
    attr('handlingStatus', '化解情况', 'text'),
    attr('hasStoppedPetitioning', '是否息访', 'boolean'),
  ],
};

export const SPECIAL_GROUP_DATA_SETS: DataSetSpec[] = [
  RELEASED_PRISONER,
  COMMUNITY_CORRECTION,
  DRUG_USER,
  SEVERE_MENTAL_DISORDER,
  HIV_RISK,
  KEY_YOUTH,
  PETITIONER,
];

/**
 * Word lists for the demo county: names, places, organisations and the texts of events. Synthetic, chosen
 * to look like a Hexi-corridor county (山丹县, 张掖市, 甘肃省); no entry is meant to name a real person or firm.
 */

/** Surnames with rough weights (national frequency, adjusted for Gansu: more 马, 杨, 魏, 祁, 毛). */
export const SURNAMES: ReadonlyArray<readonly [string, number]> = [
  ['王', 80],
  ['张', 75],
  ['李', 75],
  ['刘', 50],
  ['陈', 35],
  ['杨', 40],
  ['赵', 28],
  ['马', 30],
  ['孙', 18],
  ['周', 16],
  ['吴', 14],
  ['徐', 14],
  ['郭', 16],
  ['何', 10],
  ['高', 14],
  ['罗', 8],
  ['郑', 10],
  ['梁', 10],
  ['谢', 7],
  ['宋', 9],
  ['唐', 7],
  ['许', 7],
  ['韩', 10],
  ['冯', 8],
  ['邓', 6],
  ['曹', 8],
  ['彭', 5],
  ['曾', 3],
  ['肖', 5],
  ['田', 8],
  ['董', 8],
  ['袁', 6],
  ['潘', 5],
  ['于', 5],
  ['蒋', 4],
  ['蔡', 4],
  ['余', 4],
  ['杜', 7],
  ['叶', 3],
  ['程', 6],
  ['苏', 6],
  ['魏', 10],
  ['吕', 5],
  ['丁', 5],
  ['任', 6],
  ['沈', 3],
  ['姚', 5],
  ['卢', 4],
  ['姜', 4],
  ['崔', 4],
  ['钟', 4],
  ['汪', 5],
  ['范', 5],
  ['石', 5],
  ['贾', 6],
  ['夏', 3],
  ['付', 5],
  ['方', 3],
  ['白', 6],
  ['孟', 4],
  ['秦', 4],
  ['薛', 4],
  ['闫', 6],
  ['段', 4],
  ['雷', 4],
  ['侯', 4],
  ['史', 4],
  ['贺', 4],
  ['毛', 5],
  ['郝', 4],
  ['常', 5],
  ['祁', 6],
  ['安', 5],
  ['武', 4],
  ['牛', 4],
  ['窦', 3],
  ['鲁', 3],
  ['芦', 2],
  ['柴', 3],
  ['岳', 3],
  ['尚', 3],
  ['晏', 2],
  ['滕', 2],
  ['康', 3],
  ['朱', 6],
  ['胡', 7],
  ['林', 3],
  ['黄', 6],
  ['蒲', 2],
];

/** Surnames common among the Hui (回族) and the Yugur (裕固族) of the Hexi corridor. */
export const HUI_SURNAMES: ReadonlyArray<readonly [string, number]> = [
  ['马', 40],
  ['王', 8],
  ['李', 6],
  ['杨', 6],
  ['韩', 6],
  ['白', 5],
  ['丁', 5],
  ['哈', 3],
  ['冶', 3],
  ['穆', 2],
];
export const YUGUR_SURNAMES: ReadonlyArray<readonly [string, number]> = [
  ['安', 10],
  ['贺', 6],
  ['钟', 6],
  ['郎', 5],
  ['兰', 4],
  ['杜', 4],
  ['妥', 3],
  ['索', 3],
];

/** Tibetan (藏族) personal names, written without a surname as is usual in Gansu's Tibetan areas. */
export const TIBETAN_MALE = ['才让', '扎西', '多杰', '尼玛', '索南', '旦增', '贡保', '东知', '加措', '仁青'];
export const TIBETAN_FEMALE = [
  '卓玛',
  '拉毛',
  '央金',
  '措姆',
  '德吉',
  '草毛',
  '才吉',
  '吉毛',
  '曲珍',
  '拉姆',
];

/** Given-name characters by birth cohort: naming fashions changed a lot between 1940 and 2020. */
export const GIVEN_CHARS = {
  old: {
    male: '福贵生才发明德林山海国建军文忠荣保全富仁义春成华祥立玉有志兴宝金顺学永'.split(''),
    female: '秀英兰桂珍芳凤梅玉花琴翠莲香菊霞萍淑素云华兰娥爱芝彩琼凤芬'.split(''),
  },
  middle: {
    male: '伟强磊军勇涛斌杰鹏华刚明超辉波平东亮峰林斌龙宏健永晓海斌俊彬'.split(''),
    female: '丽娟敏静霞燕艳红玲芳婷洁琳慧娜梅莉萍雪丹瑞倩琴晶玉蓉'.split(''),
  },
  young: {
    male: '浩宇轩泽博俊子睿晨皓涵铭昊然航鑫辰奕嘉瑞锦逸天宸一翔'.split(''),
    female: '欣怡涵梓雨萱佳琪诗悦晨馨可依若瑶语彤妍思婉心桐蕊一'.split(''),
  },
} as const;

/** Foreign residents: nationality (GB/T 2659 alpha-2), names in the Latin alphabet and in Chinese. */
export const FOREIGNERS: ReadonlyArray<{
  nationality: string;
  passportPattern: 'letters2digits7' | 'letter1digits8' | 'digits9' | 'letters2digits6';
  surnames: ReadonlyArray<readonly [string, string]>;
  male: ReadonlyArray<readonly [string, string]>;
  female: ReadonlyArray<readonly [string, string]>;
  weight: number;
}> = [
  {
    nationality: 'NZ',
    passportPattern: 'letters2digits6',
    surnames: [
      ['SMITH', '史密斯'],
      ['WILSON', '威尔逊'],
      ['BROWN', '布朗'],
      ['TAYLOR', '泰勒'],
    ],
    male: [
      ['JAMES', '詹姆斯'],
      ['OLIVER', '奥利弗'],
      ['WILLIAM', '威廉'],
    ],
    female: [
      ['EMMA', '艾玛'],
      ['CHARLOTTE', '夏洛特'],
      ['AMELIA', '阿米莉亚'],
    ],
    weight: 4,
  },
  {
    nationality: 'GB',
    passportPattern: 'digits9',
    surnames: [
      ['JONES', '琼斯'],
      ['EVANS', '埃文斯'],
      ['HUGHES', '休斯'],
    ],
    male: [
      ['GEORGE', '乔治'],
      ['HARRY', '哈里'],
    ],
    female: [
      ['SOPHIE', '索菲'],
      ['LUCY', '露西'],
    ],
    weight: 2,
  },
  {
    nationality: 'US',
    passportPattern: 'digits9',
    surnames: [
      ['MILLER', '米勒'],
      ['DAVIS', '戴维斯'],
      ['MOORE', '摩尔'],
    ],
    male: [
      ['MICHAEL', '迈克尔'],
      ['DANIEL', '丹尼尔'],
    ],
    female: [
      ['SARAH', '莎拉'],
      ['EMILY', '艾米丽'],
    ],
    weight: 2,
  },
  {
    nationality: 'KR',
    passportPattern: 'letter1digits8',
    surnames: [
      ['KIM', '金'],
      ['PARK', '朴'],
      ['LEE', '李'],
    ],
    male: [
      ['MINJUN', '珉俊'],
      ['SEOJUN', '瑞俊'],
    ],
    female: [
      ['JIYEON', '智妍'],
      ['SEOYEON', '瑞妍'],
    ],
    weight: 2,
  },
  {
    nationality: 'MN',
    passportPattern: 'letter1digits8',
    surnames: [
      ['BATBAYAR', '巴特巴雅尔'],
      ['GANBOLD', '甘宝力德'],
    ],
    male: [
      ['BOLD', '宝力德'],
      ['TEMUULEN', '特木伦'],
    ],
    female: [
      ['SARANGEREL', '萨仁格日乐'],
      ['ODVAA', '敖德巴'],
    ],
    weight: 2,
  },
  {
    nationality: 'PK',
    passportPattern: 'letters2digits7',
    surnames: [
      ['KHAN', '汗'],
      ['AHMED', '艾哈迈德'],
    ],
    male: [
      ['ALI', '阿里'],
      ['HASSAN', '哈桑'],
    ],
    female: [
      ['AYESHA', '阿伊莎'],
      ['FATIMA', '法蒂玛'],
    ],
    weight: 2,
  },
  {
    nationality: 'KZ',
    passportPattern: 'letter1digits8',
    surnames: [
      ['NURLANOV', '努尔兰诺夫'],
      ['SERIKOV', '谢里科夫'],
    ],
    male: [
      ['ARMAN', '阿尔曼'],
      ['DAUREN', '达乌连'],
    ],
    female: [
      ['AIGERIM', '艾格里姆'],
      ['DANA', '达娜'],
    ],
    weight: 1,
  },
  {
    nationality: 'AU',
    passportPattern: 'letters2digits7',
    surnames: [
      ['WHITE', '怀特'],
      ['MARTIN', '马丁'],
    ],
    male: [
      ['JACK', '杰克'],
      ['NOAH', '诺亚'],
    ],
    female: [
      ['OLIVIA', '奥利维娅'],
      ['MIA', '米娅'],
    ],
    weight: 1,
  },
];

/** Where floating residents' numbers were issued: other Hexi and Gansu counties, then other provinces. */
export const FLOATING_ORIGINS: ReadonlyArray<readonly [string, string, number]> = [
  ['620702', '甘肃省张掖市甘州区', 10],
  ['620721', '甘肃省张掖市肃南裕固族自治县', 2],
  ['620722', '甘肃省张掖市民乐县', 8],
  ['620723', '甘肃省张掖市临泽县', 4],
  ['620724', '甘肃省张掖市高台县', 4],
  ['620602', '甘肃省武威市凉州区', 6],
  ['620621', '甘肃省武威市民勤县', 3],
  ['620622', '甘肃省武威市古浪县', 3],
  ['620302', '甘肃省金昌市金川区', 3],
  ['620321', '甘肃省金昌市永昌县', 4],
  ['620102', '甘肃省兰州市城关区', 3],
  ['620502', '甘肃省天水市秦州区', 3],
  ['621102', '甘肃省定西市安定区', 3],
  ['630102', '青海省西宁市城东区', 3],
  ['630121', '青海省西宁市大通回族土族自治县', 2],
  ['640104', '宁夏回族自治区银川市兴庆区', 2],
  ['610113', '陕西省西安市雁塔区', 2],
  ['410102', '河南省郑州市中原区', 3],
  ['510107', '四川省成都市武侯区', 3],
  ['500101', '重庆市万州区', 2],
  ['150102', '内蒙古自治区呼和浩特市新城区', 1],
  ['340104', '安徽省合肥市蜀山区', 1],
  ['130102', '河北省石家庄市长安区', 1],
];

/** Counties nearby that locals married in from: their numbers carry that county's code. */
export const MARRIED_IN_ORIGINS = ['620702', '620722', '620723', '620724', '620721', '620602', '620321'];

/** Residential compounds of the county seat (synthetic). */
export const COMPOUNDS = [
  '金山花园',
  '南湖家园',
  '世纪花园',
  '焉支苑',
  '滨河雅居',
  '长城小区',
  '文化街小区',
  '县府街家属院',
  '和盛佳苑',
  '永宁小区',
  '博兴家园',
  '新城名苑',
  '东关小区',
  '丽景花园',
  '阳光小区',
  '祁连苑',
  '龙首苑',
  '马场路小区',
  '四坝家园',
  '北街小区',
  '南街花园',
  '丝路家园',
  '胭脂小区',
  '佛城苑',
];

export const STREETS = [
  '东大街',
  '西大街',
  '南大街',
  '北大街',
  '仁和路',
  '培黎路',
  '文化街',
  '县府街',
  '焉支路',
  '马场路',
  '长城路',
  '滨河路',
];

export interface OccupationOption {
  category: string;
  occupation: string;
}

/** 职业类别 (GB/T 6565-2015 major group) and a 职业 text, by setting. */
export const RURAL_OCCUPATIONS: ReadonlyArray<readonly [OccupationOption, number]> = [
  [{ category: '5', occupation: '农民' }, 55],
  [{ category: '5', occupation: '畜牧养殖人员' }, 8],
  [{ category: '6', occupation: '建筑工人' }, 10],
  [{ category: '6', occupation: '机械操作工' }, 4],
  [{ category: '4', occupation: '个体经营者' }, 8],
  [{ category: '4', occupation: '货车司机' }, 5],
  [{ category: '4', occupation: '餐饮服务人员' }, 3],
  [{ category: '2', occupation: '乡村教师' }, 2],
  [{ category: '2', occupation: '乡村医生' }, 1],
  [{ category: '3', occupation: '村干部' }, 2],
  [{ category: '8', occupation: '灵活就业人员' }, 2],
];

export const URBAN_OCCUPATIONS: ReadonlyArray<readonly [OccupationOption, number]> = [
  [{ category: '4', occupation: '个体经营者' }, 14],
  [{ category: '4', occupation: '销售人员' }, 10],
  [{ category: '4', occupation: '餐饮服务人员' }, 6],
  [{ category: '4', occupation: '快递员' }, 2],
  [{ category: '4', occupation: '出租车司机' }, 3],
  [{ category: '4', occupation: '保安员' }, 3],
  [{ category: '6', occupation: '生产线工人' }, 9],
  [{ category: '6', occupation: '建筑工人' }, 7],
  [{ category: '2', occupation: '教师' }, 7],
  [{ category: '2', occupation: '医生' }, 3],
  [{ category: '2', occupation: '护士' }, 3],
  [{ category: '2', occupation: '工程技术人员' }, 4],
  [{ category: '3', occupation: '机关工作人员' }, 8],
  [{ category: '3', occupation: '企业职员' }, 8],
  [{ category: '1', occupation: '单位负责人' }, 2],
  [{ category: '5', occupation: '农民' }, 5],
  [{ category: '8', occupation: '灵活就业人员' }, 6],
];

/** Employers in the county for occupations that have one (public units; synthetic names). */
export const PUBLIC_EMPLOYERS: Record<string, readonly string[]> = {
  教师: ['山丹县第一中学', '山丹县第二中学', '山丹县城关小学', '山丹县南关学校', '山丹培黎学校'],
  乡村教师: ['乡镇中心小学', '乡镇初级中学'],
  医生: ['山丹县人民医院', '山丹县中医医院', '山丹县妇幼保健院'],
  护士: ['山丹县人民医院', '山丹县中医医院'],
  乡村医生: ['村卫生室'],
  机关工作人员: ['山丹县人民政府办公室', '山丹县财政局', '山丹县教育局', '山丹县公安局', '山丹县民政局'],
  村干部: ['村民委员会'],
};

export const OUT_OF_COUNTY_WORKPLACES = [
  '新疆维吾尔自治区乌鲁木齐市',
  '新疆维吾尔自治区昌吉市',
  '甘肃省兰州市',
  '甘肃省嘉峪关市',
  '甘肃省酒泉市',
  '内蒙古自治区阿拉善盟',
  '青海省西宁市',
  '宁夏回族自治区银川市',
  '陕西省西安市',
  '江苏省苏州市',
  '广东省东莞市',
];

export const PRISONS = [
  '甘肃省张掖监狱',
  '甘肃省武威监狱',
  '甘肃省兰州监狱',
  '甘肃省天水监狱',
  '甘肃省酒泉监狱',
  '甘肃省定西监狱',
];

/** Enterprise names: a trade name, an industry and a legal form. */
export const TRADE_NAMES =
  '金源恒兴鑫达宏远瑞丰博通永盛天成华泰祥和隆昌安顺盛丰佳禾弘毅广聚润泽焉支祁连丝路河西胭脂马城大佛新峰众鑫聚宝'.match(
    /../g,
  )!;
export const INDUSTRIES: ReadonlyArray<readonly [string, string, number]> = [
  // [name fragment, industry label, weight]
  ['建材', '建材', 8],
  ['商贸', '批发零售', 14],
  ['农牧', '农牧业', 10],
  ['建筑工程', '建筑业', 8],
  ['运输', '交通运输', 6],
  ['餐饮管理', '餐饮', 5],
  ['矿业', '采矿业', 3],
  ['化工', '化学原料', 2],
  ['新能源', '电力热力', 3],
  ['物业管理', '物业', 3],
  ['农业科技', '农业科技', 5],
  ['食品', '食品加工', 4],
  ['汽车服务', '汽车修理', 4],
  ['文化旅游', '旅游', 3],
  ['电子商务', '互联网', 2],
  ['劳务', '劳务派遣', 3],
  ['石油销售', '加油站', 2],
];
export const SHOP_TYPES = [
  '牛肉面馆',
  '超市',
  '便利店',
  '五金店',
  '理发店',
  '手机店',
  '农资店',
  '烤肉店',
  '服装店',
  '药店',
  '修理部',
  '干洗店',
  '百货店',
  '饭馆',
  '批发部',
];
export const COOP_PRODUCTS = [
  '马铃薯种植',
  '肉羊养殖',
  '肉牛养殖',
  '油菜种植',
  '中药材种植',
  '蔬菜种植',
  '小麦制种',
  '啤酒大麦种植',
  '农机服务',
  '设施农业',
];
export const SOCIAL_GROUPS = [
  '个体劳动者协会',
  '书法家协会',
  '摄影家协会',
  '老年体育协会',
  '养殖业协会',
  '餐饮行业协会',
  '慈善协会',
  '志愿者协会',
  '马术协会',
  '秦腔戏曲协会',
  '作家协会',
  '商会',
  '乡贤联谊会',
  '篮球协会',
  '钓鱼协会',
];
export const PRIVATE_NON_ENTERPRISE = [
  '幼儿园',
  '培训学校',
  '养老院',
  '社会工作服务中心',
  '康复中心',
  '驾驶培训学校',
  '职业技能培训学校',
  '书画院',
];
export const DELIVERY_BRANDS = [
  '中国邮政EMS',
  '顺丰速运',
  '中通快递',
  '圆通速递',
  '申通快递',
  '韵达快递',
  '极兔速递',
  '京东物流',
  '德邦快递',
  '邮政快递包裹',
  '菜鸟驿站',
  '安能物流',
  '百世快运',
  '天天快递',
];

/** Protected lines through the county (护路护线), with GB/T 31000 line-type codes (local dictionary). */
export const PROTECTED_LINES: ReadonlyArray<{
  name: string;
  lineType: string;
  owner: string;
  lengthKm: number;
}> = [
  { name: '兰新铁路山丹段', lineType: '01', owner: '中国铁路兰州局集团有限公司', lengthKm: 72 },
  { name: '兰新高速铁路山丹段', lineType: '01', owner: '兰新铁路甘青有限公司', lengthKm: 68 },
  { name: 'G30连霍高速公路山丹段', lineType: '02', owner: '甘肃省公路交通建设集团', lengthKm: 76 },
  { name: 'G312国道山丹段', lineType: '02', owner: '张掖公路管理局', lengthKm: 81 },
  { name: '西气东输二线山丹段', lineType: '07', owner: '国家管网集团西部管道有限责任公司', lengthKm: 70 },
  { name: '750千伏河西输变电线路山丹段', lineType: '04', owner: '国网甘肃省电力公司', lengthKm: 65 },
  { name: '张掖—山丹光缆干线', lineType: '05', owner: '中国电信张掖分公司', lengthKm: 45 },
  { name: '山丹—民乐S213省道', lineType: '02', owner: '张掖公路管理局', lengthKm: 38 },
];

/** Incident categories reported by grid workers: title templates ({where}), handling department, weight. */
export const INCIDENT_CATEGORIES: ReadonlyArray<{
  category: string;
  titles: readonly string[];
  department: string;
  weight: number;
}> = [
  {
    category: '消防安全隐患',
    titles: ['{where}楼道堆放杂物存在消防隐患', '{where}电动车飞线充电', '{where}商铺消防器材过期'],
    department: '山丹县消防救援大队',
    weight: 12,
  },
  {
    category: '环境卫生',
    titles: ['{where}垃圾清运不及时', '{where}生活污水外溢', '{where}建筑垃圾乱倒'],
    department: '山丹县住房和城乡建设局',
    weight: 16,
  },
  {
    category: '市政设施',
    titles: ['{where}路灯损坏', '{where}窨井盖缺失', '{where}道路破损坑洼'],
    department: '山丹县住房和城乡建设局',
    weight: 12,
  },
  {
    category: '道路交通',
    titles: ['{where}路口车辆乱停乱放', '{where}农用车违规载人', '{where}学校门口交通拥堵'],
    department: '山丹县公安局交通警察大队',
    weight: 8,
  },
  {
    category: '治安隐患',
    titles: ['{where}出租房屋未登记流动人员', '{where}夜间有人聚集滋事', '{where}废品收购点收购来源不明物品'],
    department: '山丹县公安局',
    weight: 10,
  },
  {
    category: '民生诉求',
    titles: ['{where}群众反映自来水水压不足', '{where}冬季供暖温度不达标', '{where}群众反映低保申请进度'],
    department: '山丹县民政局',
    weight: 14,
  },
  {
    category: '食品药品安全',
    titles: ['{where}流动摊贩无证经营', '{where}小餐馆卫生条件差', '{where}超市销售过期食品'],
    department: '山丹县市场监督管理局',
    weight: 6,
  },
  {
    category: '生态环境',
    titles: ['{where}焚烧秸秆', '{where}养殖场粪污直排', '{where}砂石场扬尘污染'],
    department: '张掖市生态环境局山丹分局',
    weight: 6,
  },
  {
    category: '农业农村',
    titles: ['{where}灌溉渠道堵塞', '{where}农田机井损坏', '{where}牲畜疑似疫病'],
    department: '山丹县农业农村局',
    weight: 8,
  },
  {
    category: '安全生产',
    titles: ['{where}企业员工未佩戴安全防护', '{where}液化气钢瓶存放不规范', '{where}建筑工地脚手架不牢固'],
    department: '山丹县应急管理局',
    weight: 6,
  },
  {
    category: '重点人员走访',
    titles: ['{where}特殊人群例行走访', '{where}独居老人入户探访', '{where}留守儿童关爱走访'],
    department: '山丹县综治中心',
    weight: 10,
  },
];

/** Cases (案件) from the police: title and 案(事)件性质 (local dictionary: 01 刑事案件, 02 治安案件). */
export const CASE_TYPES: ReadonlyArray<{
  title: string;
  nature: string;
  weight: number;
}> = [
  { title: '{where}发生一起入室盗窃案', nature: '01', weight: 18 },
  { title: '{where}居民被电信网络诈骗', nature: '01', weight: 25 },
  { title: '{where}集市发生扒窃', nature: '02', weight: 10 },
  { title: '{where}电动车被盗', nature: '02', weight: 15 },
  { title: '{where}查处聚众赌博', nature: '02', weight: 10 },
  { title: '{where}涉嫌非法放贷', nature: '01', weight: 4 },
  { title: '{where}交通秩序混乱引发冲突', nature: '02', weight: 8 },
  { title: '{where}发生殴打他人案件', nature: '02', weight: 10 },
];

/** Dispute second-level types (GB/T 31000 two-level table) with weights for a farming county. */
export const DISPUTE_TYPES: ReadonlyArray<readonly [string, string, number]> = [
  ['0101', '婚姻家庭', 12],
  ['0102', '抚养赡养', 7],
  ['0103', '分家继承', 4],
  ['0201', '邻里用水通行', 8],
  ['0202', '相邻宅基地', 7],
  ['0203', '相邻污染', 2],
  ['0303', '人身损害', 3],
  ['0401', '财物损害赔偿', 5],
  ['0402', '物业管理', 4],
  ['0503', '交通事故赔偿', 6],
  ['0507', '劳务损害', 3],
  ['0601', '消费服务', 3],
  ['0602', '房屋租赁', 4],
  ['0603', '买卖合同', 2],
  ['0701', '劳动合同', 3],
  ['0703', '拖欠工资', 4],
  ['0804', '民间借贷', 7],
  ['0901', '土地承包经营', 7],
  ['0902', '宅基地使用', 5],
  ['0904', '水利灌溉', 3],
  ['1102', '集体土地征用', 2],
  ['1103', '违章建筑', 2],
  ['1104', '市政建设', 1],
  ['1201', '村务管理', 1],
  ['1202', '优抚救助', 1],
  ['1301', '城市管理', 1],
  ['1601', '民族问题', 0.3],
];

export const SENTIMENT_TOPICS: ReadonlyArray<readonly [string, string, number, string]> = [
  // [category, title, weight, what people said]
  ['民生保障', '群众关注冬季供暖收费标准调整', 10, '部分居民反映今年供暖费上涨，希望公开核算依据'],
  ['民生保障', '群众反映养老金调整发放时间', 8, '退休职工询问养老金调整后补发的具体时间'],
  ['教育', '家长关注城区学校学位紧张', 6, '家长反映城区小学一年级学位紧张，希望合理划分学区'],
  ['医疗', '群众反映县医院专家号难挂', 6, '群众反映县医院专家门诊号源少，建议增加线上预约'],
  ['农业农村', '农户关注玉米制种收购价格', 8, '制种农户关注今年收购价格和结算时间'],
  ['农业农村', '群众反映高标准农田建设进度', 5, '村民询问高标准农田建设何时完工、是否影响春播'],
  ['城乡建设', '群众关注老旧小区改造范围', 7, '居民询问老旧小区改造是否包含加装电梯和外墙保温'],
  ['环境', '群众反映工业园区异味', 4, '周边居民反映夜间工业园区方向有刺激性气味'],
  ['社会治安', '群众关注电信诈骗防范', 6, '老年人希望社区多开展防范电信诈骗宣传'],
  ['交通', '群众建议增开城乡公交班次', 5, '村民建议增加早晚城乡公交班次，方便学生和务工人员'],
  ['就业', '返乡务工人员关注就业岗位', 5, '返乡务工人员希望了解县内企业用工信息和技能培训'],
];

export const RISK_PROJECTS = [
  '城区集中供热管网改造工程',
  '老旧小区综合改造项目',
  '高标准农田建设项目',
  '城北工业园区扩区项目',
  '国道312线改建工程征地拆迁',
  '农村饮水安全巩固提升工程',
  '焉支山景区提升改造项目',
  '县城污水处理厂扩建工程',
  '光伏发电项目土地流转',
  '棚户区改造项目',
  '农村宅基地改革试点',
  '殡葬改革实施方案',
  '城区停车收费调整方案',
  '义务教育学校布局调整',
  '集体林权制度改革',
  '生活垃圾分类实施方案',
];

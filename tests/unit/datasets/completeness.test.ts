import { describe, expect, it } from 'vitest';
import {
  completeness,
  conditionallyMandatoryFields,
  DATA_SETS,
  type DataSetSpec,
  dataSetById,
  filledMandatory,
  mandatoryFields,
} from '../../../schema/datasets';

function spec(id: string): DataSetSpec {
  const found = dataSetById(id);
  if (!found) throw new Error(`no data set ${id}`);
  return found;
}

describe('the mandatory set of a data set', () => {
  it('is declared per data set', () => {
    expect(mandatoryFields(spec('floating_population')).map((f) => f.name)).toEqual([
      'inflowReason',
      'permitType',
      'registeredOn',
      'residenceType',
    ]);
    expect(mandatoryFields(spec('person')).map((f) => f.name)).toEqual([
      'idNumber',
      'name',
      'sex',
      'birthDate',
      'ethnicity',
      'registeredRegionCode',
      'registeredAddress',
      'currentAddress',
    ]);
    expect(conditionallyMandatoryFields(spec('house')).map((f) => f.name)).toEqual([
      'rentalUse',
      'hazardType',
      'tenantIdNumber',
      'tenantName',
      'tenantPhone',
    ]);
  });

  it('of an empty record is all missing', () => {
    for (const d of DATA_SETS) {
      const count = filledMandatory(d, { columns: {}, attributes: {} });
      expect(count.filled, d.id).toBe(0);
      expect(count.mandatory, d.id).toBe(mandatoryFields(d).length);
      expect(count.missing, d.id).toEqual(mandatoryFields(d).map((f) => f.name));
    }
  });
});

describe('filledMandatory', () => {
  it('counts filled mandatory items of a floating resident; blanks are not filled', () => {
    const count = filledMandatory(spec('floating_population'), {
      columns: {},
      attributes: { inflowReason: '务工', permitType: ' ', residenceType: '02', isKeyConcern: true },
    });
    expect(count).toEqual({ filled: 2, mandatory: 4, missing: ['permitType', 'registeredOn'] });
  });

  it('reads mandatory columns of the person block', () => {
    const count = filledMandatory(spec('person'), {
      columns: {
        idNumber: '620725199001010019',
        name: '张三',
        sex: '1',
        birthDate: '1990-01-01',
        ethnicity: null,
        registeredRegionCode: '620725101',
        registeredAddress: '',
        currentAddress: '清泉镇北街1号',
        phone: '13800138000',
      },
    });
    expect(count).toEqual({ filled: 6, mandatory: 8, missing: ['ethnicity', 'registeredAddress'] });
  });

  it('counts the rental fields only for houses that are let, however 是 is spelled', () => {
    const house = spec('house');
    const columns = { code: 'H1', name: '北街1号', address: '清泉镇北街1号' };
    const owner = { buildingUse: '01', ownerName: '王五', ownerPhone: '13800138000' };
    expect(filledMandatory(house, { columns, attributes: { ...owner, isRented: false } })).toEqual({
      filled: 7,
      mandatory: 7,
      missing: [],
    });
    for (const yes of [true, '是', 'Y', 1]) {
      expect(
        filledMandatory(house, { columns, attributes: { ...owner, isRented: yes, rentalUse: '02' } }),
        String(yes),
      ).toEqual({
        filled: 8,
        mandatory: 12,
        missing: ['hazardType', 'tenantIdNumber', 'tenantName', 'tenantPhone'],
      });
    }
    // An unreadable answer does not make the rental fields mandatory (validation rejects it).
    expect(filledMandatory(house, { columns, attributes: { ...owner, isRented: '也许' } }).mandatory).toBe(7);
  });

  it('counts the member numbers of the organisations an enterprise has', () => {
    const enterprise = spec('enterprise');
    const base = filledMandatory(enterprise, { columns: {}, attributes: {} });
    expect(base.mandatory).toBe(15);
    const withParty = filledMandatory(enterprise, {
      columns: { hasPartyOrganization: true, hasUnion: '有', unionMembers: 8 },
      attributes: {},
    });
    expect(withParty.mandatory).toBe(17);
    expect(withParty.filled).toBe(3);
    expect(withParty.missing).toContain('partyMembers');
    expect(withParty.missing).not.toContain('unionMembers');
  });

  it('treats an empty multi-select as missing', () => {
    const firm = spec('delivery_firm');
    expect(filledMandatory(firm, { columns: {}, attributes: { businessScope: [] } }).missing).toContain(
      'businessScope',
    );
    expect(
      filledMandatory(firm, { columns: {}, attributes: { businessScope: ['01'] } }).missing,
    ).not.toContain('businessScope');
  });
});

describe('completeness', () => {
  it('is filled mandatory items over mandatory items across records', () => {
    const floating = spec('floating_population');
    const counts = [
      filledMandatory(floating, {
        columns: {},
        attributes: { inflowReason: '01', permitType: '01', registeredOn: '2024-01-05', residenceType: '02' },
      }),
      filledMandatory(floating, { columns: {}, attributes: { inflowReason: '01' } }),
    ];
    expect(completeness(counts)).toEqual({ filled: 5, mandatory: 8, rate: 0.625 });
  });

  it('has no rate without mandatory items', () => {
    expect(completeness([])).toEqual({ filled: 0, mandatory: 0, rate: null });
  });
});

import type { ReactNode } from 'react';
import type { FieldErrors } from '../../errors.ts';
import { type Column, InsetText, PageHeading, SummaryList, Table, Tag, type Tone, WarningText } from '../../ui/components.tsx';
import { formatDate, formatDateTime } from '../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, Checkboxes, ErrorSummary, Form, type FormValues, Radios, Select, Textarea, TextInput } from '../../ui/forms.tsx';
import { Layout } from '../../ui/layout.tsx';
import { daysBetween } from '../policies/reviews/service.ts';
import { RENEW_CADENCE } from './emails.tsx';
import { BYOD_STATUSES, BYOD_TYPES, BYOD_USES, type ByodStatus, type ByodUse, CLOSE_REASONS, type CloseReason } from './schema.ts';
import {
  type AttestationRow,
  type DeviceRow,
  deviceName,
  type deviceRecord,
  expiryCountdown,
  type myDevices,
  type ReviewRow,
  type reviewQueue,
} from './service.ts';
import { CLOSE_CONFIRMATIONS, CONFIRMATIONS, type Confirmation, passcodeRule, type RulesSnapshot } from './validation.ts';

const titled = (title: string, errors?: FieldErrors) => (errors && Object.keys(errors).length ? `Error: ${title}` : title);

export function StatusTag({ status }: { status: ByodStatus }) {
  const s = BYOD_STATUSES[status];
  return <Tag tone={s.tone as Tone}>{s.label}</Tag>;
}

/** The approval's last day with a countdown: red once ended or within 7 days, orange within 30. */
export function ExpiryCountdown({ expiresOn, today }: { expiresOn: string; today: string }) {
  const days = daysBetween(today, expiresOn);
  const tone: Tone = days <= 7 ? 'red' : days <= 30 ? 'orange' : 'grey';
  return (
    <>
      {formatDate(expiresOn)} <Tag tone={tone}>{expiryCountdown(expiresOn, today)}</Tag>
    </>
  );
}

/** What the expiry means for a device in its state: an approval's end, or what it will be once approved. */
function expiryCell(device: DeviceRow, attestation: AttestationRow | null, today: string): ReactNode {
  if (!attestation || device.status === 'closed') return '';
  if (device.status === 'approved' || device.status === 'expired') return <ExpiryCountdown expiresOn={attestation.expiresOn} today={today} />;
  if (device.status === 'pending') return `Until ${formatDate(attestation.expiresOn)}, once approved`;
  return '';
}

const usesText = (uses: ByodUse[]) => uses.map((u) => BYOD_USES[u]).join(', ');

const deviceLink = (device: DeviceRow) => (
  <a className="govuk-link" href={`/devices/${device.id}`}>
    {deviceName(device)}
  </a>
);

type MyDevice = Awaited<ReturnType<typeof myDevices>>[number];

export function MyDevicesPage({ devices, today, loans }: { devices: MyDevice[]; today: string; loans: ReactNode }) {
  const columns: Column<MyDevice>[] = [
    { header: 'Device', cell: (r) => deviceLink(r.device) },
    { header: 'Type', cell: (r) => BYOD_TYPES[r.device.type] },
    { header: 'Status', cell: (r) => <StatusTag status={r.device.status} /> },
    { header: 'Approval ends', cell: (r) => expiryCell(r.device, r.attestation, today) },
  ];
  return (
    <Layout title="My devices" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <PageHeading
        actions={
          <a className="govuk-button" data-module="govuk-button" href="/devices/new">
            Register a personal device
          </a>
        }
      >
        My devices
      </PageHeading>
      {loans}
      <h2 className="govuk-heading-m">Your personal devices</h2>
      <p className="govuk-body">
        Register a phone, tablet or laptop of your own before you use it for school email, school data or the school Wi-Fi. IT services approve it, and the
        approval has to be renewed each year.
      </p>
      <Table caption="Your personal devices" columns={columns} rows={devices} rowKey={(r) => r.device.id} empty="You have not registered a personal device." />
    </Layout>
  );
}

/** The questions about the rules, on the register and renew pages: the trust's rules as they are now. */
function AttestationFields({ rules, errors, values }: { rules: RulesSnapshot; errors?: FieldErrors; values?: FormValues }) {
  return (
    <>
      <h2 className="govuk-heading-m">The rules for personal devices</h2>
      <p className="govuk-body">Confirm that the device meets each rule. If it does not yet, put it right first, then come back.</p>
      <TextInput
        name="passcodeLength"
        label="How many characters is the passcode that unlocks the device?"
        hint={`${passcodeRule(rules.minPasscodeLength)} Count the digits of a PIN, or the characters of a password.`}
        width="5"
        inputMode="numeric"
        errors={errors}
        values={values}
      />
      <Checkboxes
        name="biometrics"
        label="Biometrics"
        options={[{ value: 'yes', label: 'The device also unlocks with my fingerprint or face' }]}
        errors={errors}
        values={values}
      />
      {(Object.keys(CONFIRMATIONS) as Confirmation[]).map((key) => (
        <Checkboxes
          key={key}
          name={key}
          label={CONFIRMATIONS[key].legend}
          options={[{ value: 'yes', label: rules.statements[key] }]}
          errors={errors}
          values={values}
        />
      ))}
      <p className="govuk-body">
        Once IT services approve the device, the approval lasts {rules.attestationMonths} months. {RENEW_CADENCE}
      </p>
    </>
  );
}

export function RegisterPage({ rules, errors, values }: { rules: RulesSnapshot; errors?: FieldErrors; values?: FormValues }) {
  return (
    <Layout
      title={titled('Register a personal device', errors)}
      breadcrumbs={[
        { href: '/', label: 'Home' },
        { href: '/devices', label: 'My devices' },
      ]}
    >
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <PageHeading>Register a personal device</PageHeading>
          <p className="govuk-body">
            Register a device of your own before you use it for school email, school data or the school Wi-Fi. IT services will check it and tell you by email.
          </p>
          <Form action="/devices/new">
            <h2 className="govuk-heading-m">The device</h2>
            <Radios
              name="type"
              label="Type of device"
              options={Object.entries(BYOD_TYPES).map(([value, label]) => ({ value, label }))}
              errors={errors}
              values={values}
            />
            <TextInput name="make" label="Make" hint="For example, Apple, Samsung or Lenovo" width="20" errors={errors} values={values} />
            <TextInput name="model" label="Model (optional)" hint="For example, iPhone 15 or ThinkPad E14" width="20" errors={errors} values={values} />
            <TextInput
              name="os"
              label="Operating system and version"
              hint="For example, iOS 18.3, Android 15 or Windows 11"
              width="20"
              errors={errors}
              values={values}
            />
            <Checkboxes
              name="uses"
              label="What will you use it for?"
              hint="Select all that apply"
              options={Object.entries(BYOD_USES).map(([value, label]) => ({ value, label }))}
              errors={errors}
              values={values}
            />
            <AttestationFields rules={rules} errors={errors} values={values} />
            <ButtonGroup>
              <Button>Register the device</Button>
              <CancelLink href="/devices" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

type DeviceRecord = Awaited<ReturnType<typeof deviceRecord>>;

const crumbsFor = (record: Pick<DeviceRecord, 'mine'>) => [
  { href: '/', label: 'Home' },
  record.mine ? { href: '/devices', label: 'My devices' } : { href: '/devices/review', label: 'Personal devices' },
];

function answersText(a: AttestationRow) {
  const answers = a.answers as { passcodeLength?: number; biometrics?: boolean };
  return `Passcode of ${answers.passcodeLength ?? '?'} characters${answers.biometrics ? ', with biometrics' : ''}; every other rule confirmed`;
}

export function DevicePage({ record, today, errors, values }: { record: DeviceRecord; today: string; errors?: FieldErrors; values?: FormValues }) {
  const { device, owner, latest, attestations } = record;
  const close = device.closeConfirmation as { confirmed?: Record<string, string> } | null;
  const actions = (record.canRenew || record.canClose) && (
    <div className="govuk-button-group">
      {record.canRenew && (
        <a className="govuk-button" data-module="govuk-button" href={`/devices/${device.id}/renew`}>
          Renew
        </a>
      )}
      {record.canClose && (
        <a className="govuk-button govuk-button--secondary" data-module="govuk-button" href={`/devices/${device.id}/close`}>
          Close this registration
        </a>
      )}
    </div>
  );
  const columns: Column<DeviceRecord['attestations'][number]>[] = [
    { header: 'Confirmed on', cell: (r) => formatDateTime(r.attestation.attestedAt) },
    { header: 'Answers', cell: (r) => answersText(r.attestation) },
    { header: 'Passcode rule then', cell: (r) => `At least ${(r.attestation.rules as RulesSnapshot).minPasscodeLength} characters` },
    {
      header: 'Decision',
      cell: (r) =>
        r.attestation.decision ? (
          <>
            {r.attestation.decision === 'approved' ? 'Approved' : 'Refused'} by {r.decidedByName ?? 'Countersign'} on {formatDateTime(r.attestation.decidedAt)}
            {r.attestation.reason && <>: {r.attestation.reason}</>}
          </>
        ) : (
          'Waiting for IT services'
        ),
    },
    { header: 'Approval ends', cell: (r) => formatDate(r.attestation.expiresOn) },
  ];
  return (
    <Layout title={titled(deviceName(device), errors)} breadcrumbs={crumbsFor(record)}>
      <ErrorSummary errors={errors} />
      <PageHeading caption={record.mine ? 'Your personal device' : `${owner.fullName}'s personal device`} actions={actions}>
        {deviceName(device)}
      </PageHeading>
      {device.status === 'refused' && record.mine && (
        <WarningText>IT services refused this device. Do not use it for school email, data or Wi-Fi. Put right what they asked, then renew.</WarningText>
      )}
      {device.status === 'expired' && record.mine && (
        <WarningText>The approval has ended. Do not use the device for school until you renew it and IT approves it.</WarningText>
      )}
      <SummaryList
        rows={[
          { key: 'Status', value: <StatusTag status={device.status} /> },
          ...(record.mine ? [] : [{ key: 'Owner', value: `${owner.fullName} (${owner.email})` }]),
          { key: 'Type', value: BYOD_TYPES[device.type] },
          { key: 'Make and model', value: [device.make, device.model].filter(Boolean).join(' ') },
          { key: 'Operating system', value: device.os },
          { key: 'Used for', value: usesText(device.uses) },
          { key: 'Registered', value: formatDateTime(device.registeredAt) },
          { key: 'Approval ends', value: expiryCell(device, latest, today) },
          ...(device.status === 'closed'
            ? [
                { key: 'Closed', value: formatDateTime(device.closedAt) },
                { key: 'Why', value: device.closeReason ? CLOSE_REASONS[device.closeReason] : '' },
                { key: 'Confirmed', value: close?.confirmed ? Object.values(close.confirmed).join('. ') : '' },
              ]
            : []),
        ]}
      />
      {record.canDecide && latest && <DecisionForm deviceId={device.id} latest={latest} errors={errors} values={values} />}
      <h2 className="govuk-heading-m">Confirmations of the rules</h2>
      <Table caption="Confirmations of the rules, newest first" columns={columns} rows={attestations} rowKey={(r) => r.attestation.id} />
    </Layout>
  );
}

function DecisionForm({ deviceId, latest, errors, values }: { deviceId: string; latest: AttestationRow; errors?: FieldErrors; values?: FormValues }) {
  const rules = latest.rules as RulesSnapshot;
  return (
    <>
      <h2 className="govuk-heading-m">Approve or refuse</h2>
      <InsetText>
        The owner confirmed, on {formatDateTime(latest.attestedAt)}: {answersText(latest)} (the rule was {passcodeRule(rules.minPasscodeLength).toLowerCase()}).{' '}
        {Object.values(rules.statements ?? {}).join('. ')}.
      </InsetText>
      <Form action={`/devices/${deviceId}/decision`}>
        <Radios
          name="decision"
          label="Your decision"
          options={[
            { value: 'approved', label: 'Approve', hint: `The device may be used for school until ${formatDate(latest.expiresOn)}` },
            { value: 'refused', label: 'Refuse', hint: 'The owner must not use it for school' },
          ]}
          errors={errors}
          values={values}
        />
        <Textarea name="reason" label="Reason" hint="Needed when you refuse: say what the owner should put right" rows={3} errors={errors} values={values} />
        <p className="govuk-body">The owner is emailed your decision, and it is kept on the device's record.</p>
        <Button>Record the decision</Button>
      </Form>
    </>
  );
}

export function RenewPage({
  record,
  rules,
  errors,
  values,
}: {
  record: Pick<DeviceRecord, 'device' | 'mine'>;
  rules: RulesSnapshot;
  errors?: FieldErrors;
  values?: FormValues;
}) {
  const { device } = record;
  return (
    <Layout
      title={titled(`Renew ${deviceName(device)}`, errors)}
      breadcrumbs={[...crumbsFor(record), { href: `/devices/${device.id}`, label: deviceName(device) }]}
    >
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <PageHeading caption={deviceName(device)}>Renew your personal device</PageHeading>
          <p className="govuk-body">Confirm the rules as they are now. IT services will check the device again and tell you by email.</p>
          <Form action={`/devices/${device.id}/renew`}>
            <AttestationFields rules={rules} errors={errors} values={values} />
            <ButtonGroup>
              <Button>Renew</Button>
              <CancelLink href={`/devices/${device.id}`} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

/**
 * Closing a registration, in two steps without JavaScript: why (a GET form), then what that reason
 * asks the person to confirm.
 */
export function ClosePage({
  record,
  reason,
  errors,
  values,
}: {
  record: Pick<DeviceRecord, 'device' | 'mine'>;
  reason: CloseReason | null;
  errors?: FieldErrors;
  values?: FormValues;
}) {
  const { device } = record;
  const href = `/devices/${device.id}/close`;
  return (
    <Layout
      title={titled(`Close the registration of ${deviceName(device)}`, errors)}
      breadcrumbs={[...crumbsFor(record), { href: `/devices/${device.id}`, label: deviceName(device) }]}
    >
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <PageHeading caption={deviceName(device)}>Close this registration</PageHeading>
          {reason === null ? (
            <form method="get" action={href} noValidate>
              <Radios
                name="reason"
                label="Why are you closing it?"
                options={Object.entries(CLOSE_REASONS).map(([value, label]) => ({ value, label }))}
                errors={errors}
                values={values}
              />
              <ButtonGroup>
                <Button>Continue</Button>
                <CancelLink href={`/devices/${device.id}`} />
              </ButtonGroup>
            </form>
          ) : (
            <>
              <p className="govuk-body">
                Reason: {CLOSE_REASONS[reason]}.{' '}
                <a className="govuk-link" href={href}>
                  Change the reason
                </a>
              </p>
              {reason === 'lost' && (
                <WarningText>
                  A lost or stolen device that could open school email or data must be reported straight away.{' '}
                  <a className="govuk-link" href="/concerns/new/device_lost">
                    Report a lost or stolen device
                  </a>
                </WarningText>
              )}
              <Form action={href}>
                <input type="hidden" name="reason" value={reason} />
                {Object.entries(CLOSE_CONFIRMATIONS[reason]).map(([key, text]) => (
                  <Checkboxes key={key} name={`${reason}-${key}`} label="Confirm" options={[{ value: 'yes', label: text }]} errors={errors} values={values} />
                ))}
                <p className="govuk-body">Closing cannot be undone. To use the device for school again, register it again.</p>
                <ButtonGroup>
                  <Button warning>Close the registration</Button>
                  <CancelLink href={`/devices/${device.id}`} />
                </ButtonGroup>
              </Form>
            </>
          )}
        </div>
      </div>
    </Layout>
  );
}

type Queue = Awaited<ReturnType<typeof reviewQueue>>;

export function ReviewPage({ queue, today, canSettings }: { queue: Queue; today: string; canSettings: boolean }) {
  const base: Column<ReviewRow>[] = [
    { header: 'Device', cell: (r) => deviceLink(r.device) },
    { header: 'Owner', cell: (r) => r.ownerName },
    { header: 'Type', cell: (r) => BYOD_TYPES[r.device.type] },
  ];
  const waiting: Column<ReviewRow>[] = [
    ...base,
    { header: 'Waiting since', cell: (r) => formatDate(r.attestation?.attestedAt ?? r.device.registeredAt) },
    { header: 'Passcode', cell: (r) => (r.attestation ? answersText(r.attestation).split(';')[0] : '') },
  ];
  const expiring: Column<ReviewRow>[] = [...base, { header: 'Approval ends', cell: (r) => expiryCell(r.device, r.attestation, today) }];
  return (
    <Layout title="Personal devices" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <PageHeading>Personal devices</PageHeading>
      <p className="govuk-body">
        Staff devices registered for school use. {queue.approvedCount} approved in all.
        {canSettings && (
          <>
            {' '}
            <a className="govuk-link" href="/settings/devices">
              Change the rules for personal devices
            </a>
          </>
        )}
      </p>
      <h2 className="govuk-heading-m">Waiting for approval ({queue.waiting.length})</h2>
      <Table caption="Waiting for approval" columns={waiting} rows={queue.waiting} rowKey={(r) => r.device.id} empty="No devices are waiting for approval." />
      <h2 className="govuk-heading-m">Approval ends in the next 30 days ({queue.expiring.length})</h2>
      <Table
        caption="Approval ends in the next 30 days"
        columns={expiring}
        rows={queue.expiring}
        rowKey={(r) => r.device.id}
        empty="No approvals end in the next 30 days."
      />
      <h2 className="govuk-heading-m">Approval ended, not renewed ({queue.expired.length})</h2>
      <Table caption="Approval ended, not renewed" columns={expiring} rows={queue.expired} rowKey={(r) => r.device.id} empty="No approvals have ended." />
    </Layout>
  );
}

export function ByodSettingsPage({ errors, values }: { errors?: FieldErrors; values: FormValues }) {
  const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i)).map((v) => ({ value: v, label: v }));
  return (
    <Layout
      title={titled('Rules for personal devices', errors)}
      breadcrumbs={[
        { href: '/', label: 'Home' },
        { href: '/settings', label: 'Settings' },
      ]}
    >
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <PageHeading>Rules for personal devices</PageHeading>
          <p className="govuk-body">
            Staff confirm these rules when they register or renew a personal device. A change applies to registrations and renewals from now on; devices already
            approved keep the rules they were approved against until they are renewed.
          </p>
          <Form action="/settings/devices">
            <Select
              name="minPasscodeLength"
              label="Shortest passcode allowed (characters)"
              hint="The staff protocols ask for at least 6. A device that also unlocks with a fingerprint or face may have a passcode of 4."
              options={numbers(4, 16)}
              errors={errors}
              values={values}
            />
            <Select
              name="attestationMonths"
              label="How long an approval lasts (months)"
              hint="Staff are reminded to renew 30 days and 7 days before it ends, and on the day. Usually 12."
              options={numbers(1, 36)}
              errors={errors}
              values={values}
            />
            <ButtonGroup>
              <Button>Save the rules</Button>
              <CancelLink href="/settings" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

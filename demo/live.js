// live.js — the invented order feed of live.html: adds an order about every second, keeps the
// last MAX_ROWS rows, advances order statuses, and updates the totals and stock levels.
'use strict';

(function setUpOrderFeed() {
  const feed = document.getElementById('order-feed');
  if (!feed) return;

  const MAX_ROWS = 30;
  const TICK_MS = 1000;

  const PRODUCTS = [
    { name: 'Ridgeline Hardshell', price: 289 },
    { name: 'Switchback 38 Pack', price: 179 },
    { name: 'Cirrus Down Hoody', price: 245 },
    { name: 'Talus Mid GTX Boot', price: 210 },
    { name: 'Merino 150 Base Tee', price: 68 },
    { name: 'Gridfleece Midlayer', price: 119 },
    { name: 'Tarn 2P Tent', price: 429 },
    { name: 'Alpenglow Headlamp', price: 49 },
    { name: 'Cascade Trekking Poles', price: 139 },
    { name: 'Softshell Trail Pant', price: 129 },
  ];
  const CUSTOMERS = ['A. Okafor', 'M. Lindqvist', 'J. Tanaka', 'R. Alvarez', 'S. Byrne', 'K. Nguyen', 'L. Moreau',
    'D. Schmidt', 'P. Kowalski', 'E. Haddad', 'T. Mensah', 'C. O’Neill', 'H. Sato', 'F. Rossi', 'G. Patel'];
  const STORES = ['Web shop', 'Seattle', 'Portland', 'Boulder', 'Bend', 'Anchorage', 'Web shop', 'Web shop'];
  const STATUSES = [
    { label: 'Placed', badge: 'nw-badge--amber' },
    { label: 'Packed', badge: 'nw-badge--blue' },
    { label: 'Shipped', badge: '' },
  ];

  const stock = new Map(PRODUCTS.map((p) => [p.name, 40 + Math.floor(Math.random() * 160)]));
  // "today so far" before this page was opened, so the numbers look like a real afternoon
  const baseOrders = 1100 + Math.floor(Math.random() * 300);
  const totals = { orders: baseOrders, revenue: baseOrders * (138 + Math.random() * 20), shipped: Math.floor(baseOrders * 0.72) };
  const recent = []; // { at, total } of orders in the last minute
  let nextOrderNumber = 48210 + Math.floor(Math.random() * 500);
  let previousAverage = 0;
  let timer = 0;

  const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
  const moneyCents = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

  function pick(list) {
    return list[Math.floor(Math.random() * list.length)];
  }

  function makeOrder() {
    const product = pick(PRODUCTS);
    const qty = Math.random() < 0.75 ? 1 : 2 + Math.floor(Math.random() * 3);
    return {
      number: nextOrderNumber++,
      time: new Date(),
      customer: pick(CUSTOMERS),
      store: pick(STORES),
      product,
      qty,
      total: product.price * qty,
    };
  }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function statusBadge(statusIndex) {
    const status = STATUSES[statusIndex];
    const span = document.createElement('span');
    span.className = `nw-badge ${status.badge}`.trim();
    span.textContent = status.label;
    return span;
  }

  function buildRow(order) {
    const tr = document.createElement('tr');
    tr.className = 'is-new';
    tr.dataset.order = String(order.number);
    tr.dataset.status = '0';
    tr.append(
      cell(order.time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }), 'nw-mono'),
      cell(`#${order.number}`, 'nw-mono'),
      cell(order.customer),
      cell(order.store),
      cell(order.product.name),
      cell(String(order.qty), 'nw-num'),
      cell(moneyCents.format(order.total), 'nw-num'),
    );
    const statusCell = document.createElement('td');
    statusCell.append(statusBadge(0));
    tr.append(statusCell);
    return tr;
  }

  function trimFeed() {
    while (feed.rows.length > MAX_ROWS) feed.deleteRow(feed.rows.length - 1);
    document.getElementById('row-count').textContent = String(feed.rows.length);
  }

  function advanceStatuses() {
    // older orders move on: placed → packed → shipped
    for (const row of feed.rows) {
      const index = Number(row.dataset.status);
      if (index >= STATUSES.length - 1 || Math.random() > 0.12) continue;
      row.dataset.status = String(index + 1);
      row.lastElementChild.replaceChildren(statusBadge(index + 1));
      if (index + 1 === STATUSES.length - 1) totals.shipped += 1;
    }
  }

  function renderStats() {
    const average = totals.orders ? totals.revenue / totals.orders : 0;
    while (recent.length && Date.now() - recent[0].at > 60000) recent.shift();
    const lastMinuteRevenue = recent.reduce((sum, order) => sum + order.total, 0);
    document.getElementById('stat-orders').textContent = totals.orders.toLocaleString('en-US');
    document.getElementById('stat-orders-rate').textContent = `▲ ${recent.length} in the last minute`;
    document.getElementById('stat-revenue').textContent = money.format(totals.revenue);
    document.getElementById('stat-revenue-delta').textContent = `▲ ${money.format(lastMinuteRevenue)} in the last minute`;
    document.getElementById('stat-average').textContent = moneyCents.format(average);
    const delta = document.getElementById('stat-average-delta');
    const up = average >= previousAverage;
    delta.textContent = previousAverage ? `${up ? '▲' : '▼'} ${moneyCents.format(Math.abs(average - previousAverage))}` : '—';
    delta.className = `nw-stat__delta ${up ? 'nw-up' : 'nw-down'}`;
    previousAverage = average;
    document.getElementById('stat-shipped').textContent = totals.shipped.toLocaleString('en-US');
    document.getElementById('stat-shipped-share').textContent = totals.orders
      ? `${Math.round((totals.shipped / totals.orders) * 100)}% of orders` : '—';
  }

  function renderTicker() {
    const ticker = document.getElementById('stock-ticker');
    const items = PRODUCTS.slice(0, 6).map((product) => {
      const div = document.createElement('div');
      div.className = 'nw-ticker__item';
      const name = document.createElement('b');
      name.textContent = product.name;
      const count = document.createElement('span');
      const left = stock.get(product.name);
      count.textContent = `${left} left`;
      count.className = left < 25 ? 'nw-down' : '';
      div.append(name, count);
      return div;
    });
    ticker.replaceChildren(...items);
  }

  function restock() {
    for (const [name, left] of stock) {
      if (left < 10) stock.set(name, left + 60 + Math.floor(Math.random() * 80));
    }
  }

  function addOrder() {
    const order = makeOrder();
    totals.orders += 1;
    totals.revenue += order.total;
    recent.push({ at: Date.now(), total: order.total });
    stock.set(order.product.name, Math.max(0, stock.get(order.product.name) - order.qty));
    restock();
    advanceStatuses();
    feed.insertBefore(buildRow(order), feed.firstChild);
    trimFeed();
    renderStats();
    renderTicker();
  }

  function setPaused(paused) {
    clearInterval(timer);
    timer = paused ? 0 : setInterval(addOrder, TICK_MS);
    const button = document.getElementById('toggle-feed');
    button.textContent = paused ? 'Resume feed' : 'Pause feed';
    button.setAttribute('aria-pressed', String(paused));
    const status = document.getElementById('feed-status');
    status.textContent = paused ? 'Paused' : 'Live';
    status.classList.toggle('is-paused', paused);
  }

  document.getElementById('add-row').addEventListener('click', addOrder);
  document.getElementById('toggle-feed').addEventListener('click', () => setPaused(timer !== 0));

  // start with a few orders so the page never looks empty
  for (let i = 0; i < 8; i += 1) addOrder();
  for (const row of feed.rows) row.classList.remove('is-new');
  setPaused(false);
})();

"use strict";

(function () {
  const APP_NAME = {{.Config.appName}};
  const STORAGE_KEY = "forgeai:{{.Template.Slug}}:" + APP_NAME + ":cart";
  const CURRENCY = {{.Config.currency}};
  const PAGE_SIZE = {{.Config.itemsPerPage}};
  const PRODUCTS = [
{{- range .Config.products}}
    { sku: {{.sku}}, name: {{.name}}, price: {{.price}}, description: {{or .description ""}} },
{{- end}}
  ];

  const money = new Intl.NumberFormat(undefined, { style: "currency", currency: CURRENCY });
  const grid = document.getElementById("grid");
  const search = document.getElementById("search");
  const noResults = document.getElementById("no-results");
  const prev = document.getElementById("prev");
  const next = document.getElementById("next");
  const pageInfo = document.getElementById("page-info");
  const cartLines = document.getElementById("cart-lines");
  const cartEmpty = document.getElementById("cart-empty");
  const cartTotal = document.getElementById("cart-total");
  const checkout = document.getElementById("checkout");
  const checkoutStatus = document.getElementById("checkout-status");
  let page = 0;

  function loadCart() {
    try {
      return JSON.parse(localStorage.getItem(STORAGE_KEY)) || {};
    } catch (err) {
      return {};
    }
  }

  function saveCart(cart) {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(cart));
  }

  function bySku(sku) {
    return PRODUCTS.find(function (p) { return p.sku === sku; });
  }

  function matching() {
    const q = search ? search.value.trim().toLowerCase() : "";
    if (q === "") return PRODUCTS;
    return PRODUCTS.filter(function (p) {
      return (p.name + " " + p.description + " " + p.sku).toLowerCase().indexOf(q) !== -1;
    });
  }

  function renderGrid() {
    const list = matching();
    const pages = Math.max(1, Math.ceil(list.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    grid.replaceChildren();
    for (const product of list.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE)) {
      const card = document.createElement("article");
      card.className = "product";
      const title = document.createElement("h3");
      title.textContent = product.name;
      const price = document.createElement("div");
      price.className = "price";
      price.textContent = money.format(product.price);
      const text = document.createElement("p");
      text.textContent = product.description;
      const add = document.createElement("button");
      add.type = "button";
      add.textContent = "Add to cart";
      add.setAttribute("aria-label", "Add " + product.name + " to cart");
      add.addEventListener("click", function () { changeQuantity(product.sku, 1); });
      card.append(title, price, text, add);
      grid.appendChild(card);
    }
    noResults.hidden = list.length > 0;
    pageInfo.textContent = "Page " + (page + 1) + " of " + pages;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }

  function changeQuantity(sku, delta) {
    const cart = loadCart();
    cart[sku] = (cart[sku] || 0) + delta;
    if (cart[sku] <= 0) delete cart[sku];
    saveCart(cart);
    checkoutStatus.textContent = "";
    renderCart();
  }

  function renderCart() {
    const cart = loadCart();
    let total = 0;
    cartLines.replaceChildren();
    for (const sku of Object.keys(cart)) {
      const product = bySku(sku);
      if (!product) continue; // removed from the catalog since it was added
      total += product.price * cart[sku];
      const line = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = cart[sku] + " × " + product.name;
      const controls = document.createElement("span");
      const amount = document.createElement("span");
      amount.textContent = money.format(product.price * cart[sku]) + " ";
      const minus = document.createElement("button");
      minus.type = "button";
      minus.className = "secondary small";
      minus.textContent = "−";
      minus.setAttribute("aria-label", "Remove one " + product.name);
      minus.addEventListener("click", function () { changeQuantity(sku, -1); });
      controls.append(amount, minus);
      line.append(label, controls);
      cartLines.appendChild(line);
    }
    cartEmpty.hidden = cartLines.children.length > 0;
    checkout.disabled = cartLines.children.length === 0;
    cartTotal.textContent = money.format(total);
  }

  checkout.addEventListener("click", function () {
    const cart = loadCart();
    const lines = Object.keys(cart).filter(bySku).map(function (sku) { return { sku: sku, quantity: cart[sku] }; });
    console.info("Order summary for checkout", JSON.stringify(lines));
    saveCart({});
    renderCart();
    checkoutStatus.textContent = "Thank you! Your order summary was handed to checkout.";
  });

  prev.addEventListener("click", function () { page -= 1; renderGrid(); });
  next.addEventListener("click", function () { page += 1; renderGrid(); });
  if (search) search.addEventListener("input", function () { page = 0; renderGrid(); });
  renderGrid();
  renderCart();
})();

# A shopping checkout: find a product, add it to the cart, pay.
app shopping "Shop checkout" start Catalog

action pay(method: string)

screen Catalog "Product list" {
  type(search, "headphones") -> Results
  tap("Cart") -> Cart
}
screen Results "Search results" requires visible("Headphones") {
  tap("Headphones") -> Product
  back -> Catalog
}
screen Product "Product page" requires visible("Add to cart") {
  tap("Add to cart") -> Product ensures count(cart) >= 1
  tap("Cart") -> Cart
  back -> Results
}
screen Cart "Shopping cart" {
  tap("Checkout") -> Checkout
  back -> Catalog
}
screen Checkout "Checkout" requires count(cart) >= 1 {
  pay("card") -> Confirmation ensures visible("Order placed")
  back -> Cart
}
screen Confirmation "Order confirmation" requires visible("Order placed") {
  home -> Catalog
}
overlay Coupon shows("Apply coupon?") dismiss back

goal F Confirmation
# Never pay before something was added to the cart.
rule !pay(any) W tap("Add to cart")

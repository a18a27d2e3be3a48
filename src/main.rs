fn main() {
    println!("stance: under construction");
}
